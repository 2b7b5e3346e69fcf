package dev.jwtauth.launcher;

import dev.jwtauth.clients.Client;
import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.clients.ClientRules;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.tokens.Revocations;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.db.Database;
import dev.jwtauth.db.EmbeddedDatabase;
import dev.jwtauth.db.Migrations;
import dev.jwtauth.keys.KeyEntry;
import dev.jwtauth.keys.KeyFiles;
import dev.jwtauth.keys.KeyRing;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.tokens.Names;
import dev.jwtauth.users.PasswordHasher;
import dev.jwtauth.users.PasswordPolicy;
import dev.jwtauth.users.UserRepository;
import dev.jwtauth.users.Usernames;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The command line in the same jar: {@code user add|disable|unlock}, {@code keys rotate|list},
 * {@code client add}. It works against the configured database (the embedded one of a running
 * server too) and keys directory. Results go to stdout, errors to stderr as one sentence.
 */
final class Cli {
  static final String USAGE = String.join("\n",
      "usage: java -jar jwt-auth-server.jar [serve]",
      "       java -jar jwt-auth-server.jar user add <username> [--role <role>]...   (password from the console or stdin)",
      "       java -jar jwt-auth-server.jar user disable <username>",
      "       java -jar jwt-auth-server.jar user unlock <username>",
      "       java -jar jwt-auth-server.jar keys rotate",
      "       java -jar jwt-auth-server.jar keys list",
      "       java -jar jwt-auth-server.jar client add <client_id> [--role <role>]... [--scope <scope>]...",
      "       java -jar jwt-auth-server.jar client list",
      "       java -jar jwt-auth-server.jar client disable|enable|delete <client_id>",
      "       java -jar jwt-auth-server.jar client rotate-secret <client_id>");

  private final AppConfig config;
  private final PrintStream out;
  private final BufferedReader in;

  /**
   * @param in where passwords are read when there is no console (piped stdin, tests)
   */
  Cli(AppConfig config, PrintStream out, BufferedReader in) {
    this.config = config;
    this.out = out;
    this.in = in;
  }

  /** Runs one command; returns the exit code (0 ok, 2 failure, 64 usage). */
  int run(List<String> args) {
    String command = args.size() >= 2 ? args.get(0) + " " + args.get(1) : String.join(" ", args);
    List<String> rest = args.size() > 2 ? args.subList(2, args.size()) : List.of();
    return switch (command) {
      case "keys list" -> keysList();
      case "keys rotate" -> keysRotate();
      case "user add" -> withDatabase(rest, 1, this::userAdd);
      case "user disable" -> withDatabase(rest, 1, (pool, a) -> userSet(pool, a, "disabled = true"));
      case "user unlock" -> withDatabase(rest, 1, this::userUnlock);
      case "client add" -> withDatabase(rest, 1, this::clientAdd);
      case "client list" -> withDatabase(List.of("-"), 1, (pool, a) -> clientList(pool));
      case "client disable" -> withDatabase(rest, 1, (pool, a) -> clientChange(pool, a.get(0), "disabled"));
      case "client enable" -> withDatabase(rest, 1, (pool, a) -> clientChange(pool, a.get(0), "enabled"));
      case "client delete" -> withDatabase(rest, 1, (pool, a) -> clientChange(pool, a.get(0), "deleted"));
      case "client rotate-secret" -> withDatabase(rest, 1, this::clientRotateSecret);
      default -> usage("unknown command '" + String.join(" ", args) + "'");
    };
  }

  private int usage(String problem) {
    System.err.println("jwt-auth-server: " + problem + "\n" + USAGE);
    return 64;
  }

  private int keysList() {
    List<KeyEntry> keys = KeyFiles.load(config.keysDir());
    if (keys.isEmpty()) {
      out.println("no keys in " + config.keysDir().toAbsolutePath() + " (the server makes one on first start)");
      return 0;
    }
    KeyRing ring = new KeyRing(keys);
    for (KeyEntry k : ring.all()) {
      out.printf("%s  %-5s  created %s%s%n", k.kid(), k.alg(), Instant.ofEpochSecond(k.created()),
          k == ring.active() ? "  ACTIVE" : "  published until its tokens expire");
    }
    return 0;
  }

  private int keysRotate() {
    SigningAlgorithm alg = SigningAlgorithm.parse(config.signingAlg());
    List<KeyEntry> keys = KeyFiles.load(config.keysDir());
    long created = keys.isEmpty() ? Clock.systemUTC().millis() / 1000 : KeyFiles.nextCreation(new KeyRing(keys), Clock.systemUTC());
    KeyEntry key = KeyFiles.create(config.keysDir(), alg, created);
    out.println("new active key " + key.kid() + " (" + alg + "); a running server picks it up within 10 s");
    return 0;
  }

  private interface DbCommand {
    int run(Pool pool, List<String> args) throws Exception;
  }

  /** Opens the configured database (or the running server's embedded one, or starts it), migrated. */
  private int withDatabase(List<String> args, int positional, DbCommand command) {
    if (args.size() < positional || args.get(0).startsWith("--")) {
      return usage("missing argument");
    }
    Vertx vertx = Vertx.vertx();
    EmbeddedDatabase embedded = null;
    try {
      String uri = config.pgUri();
      if (uri == null) {
        Optional<String> running = EmbeddedDatabase.runningUri(config.dataDir());
        if (running.isPresent()) {
          uri = running.get();
        } else {
          embedded = EmbeddedDatabase.start(config.dataDir(), config.embeddedPgPort(), true);
          uri = embedded.uri();
        }
      }
      Pool pool = Database.pool(vertx, uri, config);
      try {
        Migrations.migrate(pool).await();
        return command.run(pool, args);
      } finally {
        pool.close().await();
      }
    } catch (ConfigException e) {
      System.err.println("jwt-auth-server: " + e.getMessage());
      return 2;
    } catch (Exception e) {
      System.err.println("jwt-auth-server: the command failed: " + e.getMessage());
      return 2;
    } finally {
      vertx.close().await();
      if (embedded != null) {
        embedded.close();
      }
    }
  }

  private int userAdd(Pool pool, List<String> args) throws IOException {
    String username = Usernames.normalise(args.get(0)).orElse(null);
    if (username == null) {
      return usage("the username must be 1-64 letters, digits or . _ - @");
    }
    List<String> roles = options(args, "--role");
    if (roles == null) {
      return usage("--role takes a value");
    }
    try {
      roles = Names.ROLES.check(roles, "--role", "invalid_request");
    } catch (ApiError e) {
      return refused(e);
    }
    String password = readPassword();
    var problem = PasswordPolicy.problem(password);
    if (problem.isPresent()) {
      System.err.println("jwt-auth-server: " + problem.get());
      return 2;
    }
    var workers = Vertx.vertx();
    try {
      var executor = workers.createSharedWorkerExecutor("cli-argon2", 1);
      String hash = new PasswordHasher(executor, config.argon2MemoryKib(), config.argon2Iterations(),
          config.argon2Parallelism()).hash(password).await();
      var user = new UserRepository(pool).create(username, hash, roles).await();
      out.println("created user " + user.username() + " id=" + user.id() + " roles=" + user.roles());
      return 0;
    } catch (UserRepository.UserExists e) {
      System.err.println("jwt-auth-server: a user named '" + username + "' already exists.");
      return 2;
    } finally {
      workers.close().await();
    }
  }

  private int userSet(Pool pool, List<String> args, String assignment) {
    String username = Usernames.normalise(args.get(0)).orElse("");
    int n = pool.preparedQuery("UPDATE users SET " + assignment + " WHERE username = $1").execute(Tuple.of(username))
        .await().rowCount();
    if (n == 0) {
      System.err.println("jwt-auth-server: no user named '" + args.get(0) + "'.");
      return 2;
    }
    out.println("updated user " + username);
    return 0;
  }

  /** Forgets the name's failed logins from every address (as the admin API's unlock does). */
  private int userUnlock(Pool pool, List<String> args) {
    String username = Usernames.normalise(args.get(0)).orElse("");
    if (!new UserRepository(pool).unlock(username).await()) {
      System.err.println("jwt-auth-server: no user named '" + args.get(0) + "'.");
      return 2;
    }
    out.println("updated user " + username);
    return 0;
  }

  private int clientAdd(Pool pool, List<String> args) {
    List<String> roles = options(args, "--role");
    List<String> scopes = options(args, "--scope");
    if (roles == null || scopes == null) {
      return usage("--role and --scope each take a value");
    }
    String clientId;
    try {
      clientId = ClientRules.clientId(args.get(0));
      roles = ClientRules.roles(roles);
      scopes = ClientRules.scopes(scopes);
    } catch (ApiError e) {
      return refused(e);
    }
    String secret = ClientRules.newSecret();
    try {
      new ClientRepository(pool).create(clientId, secret, roles, scopes).await();
    } catch (ApiError e) {
      return refused(e);
    }
    out.println("client_id=" + clientId);
    out.println("client_secret=" + secret + "   (shown once; store it now)");
    return 0;
  }

  private int clientList(Pool pool) {
    for (Client c : new ClientRepository(pool).list().await()) {
      out.printf("%s  roles=%s  scopes=%s%s%n", c.clientId(), c.roles(), c.scopes(), c.disabled() ? "  DISABLED" : "");
    }
    return 0;
  }

  /**
   * Disables, enables or deletes a client. Disabling and deleting also revoke the tokens issued to it
   * so far: a running server stops accepting them at its next revocation resync.
   */
  private int clientChange(Pool pool, String clientId, String change) {
    ClientRepository clients = new ClientRepository(pool);
    try {
      switch (change) {
        case "disabled" -> clients.setDisabled(clientId, true).await();
        case "enabled" -> clients.setDisabled(clientId, false).await();
        default -> clients.delete(clientId).await();
      }
      if (!change.equals("enabled")) {
        Clock clock = Clock.systemUTC();
        Vertx local = Vertx.vertx();
        try {
          new Revocations(local, pool, clock).revokeIssuedBefore("client", clientId,
              clock.millis() / 1000 + config.accessTokenTtl().plus(config.clockLeeway()).toSeconds()).await();
        } finally {
          local.close().await();
        }
      }
    } catch (ApiError e) {
      return refused(e);
    }
    out.println("client " + clientId + " " + change);
    return 0;
  }

  private int clientRotateSecret(Pool pool, List<String> args) {
    String secret = ClientRules.newSecret();
    try {
      new ClientRepository(pool).setSecret(args.get(0), secret).await();
    } catch (ApiError e) {
      return refused(e);
    }
    out.println("client_id=" + args.get(0));
    out.println("client_secret=" + secret + "   (shown once; the old secret no longer works)");
    return 0;
  }

  /** A refused command: its error code and sentence on stderr, exit 2. */
  private static int refused(ApiError e) {
    System.err.println("jwt-auth-server: " + e.code() + ": " + e.getMessage());
    return 2;
  }

  /** Every value of {@code --name value} pairs after the positional argument, or null on a dangling flag. */
  private static List<String> options(List<String> args, String name) {
    List<String> values = new ArrayList<>();
    for (int i = 1; i < args.size(); i++) {
      if (args.get(i).equals(name)) {
        if (i + 1 >= args.size()) {
          return null;
        }
        values.add(args.get(++i));
      }
    }
    return values;
  }

  private String readPassword() throws IOException {
    Console console = System.console();
    if (console != null) {
      char[] first = console.readPassword("password: ");
      char[] again = console.readPassword("again: ");
      if (first == null || !Arrays.equals(first, again)) {
        System.err.println("jwt-auth-server: the passwords differ.");
        return null;
      }
      return new String(first);
    }
    return in.readLine();
  }
}
