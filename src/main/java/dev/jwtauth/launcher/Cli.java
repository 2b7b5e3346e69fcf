package dev.jwtauth.launcher;

import dev.jwtauth.bus.ClusterCredentials;
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
import dev.jwtauth.ops.Audit;
import dev.jwtauth.tokens.RefreshTokens;
import dev.jwtauth.tokens.SessionIds;
import dev.jwtauth.tokens.UserSessions;
import dev.jwtauth.mfa.TotpStore;
import dev.jwtauth.users.PasswordHasher;
import dev.jwtauth.users.UserAdmin;
import dev.jwtauth.users.PasswordPolicy;
import dev.jwtauth.users.UserRepository;
import dev.jwtauth.users.Usernames;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The command line in the same jar: {@code user add|list|show|roles|disable|enable|delete|unlock|
 * reset-password|sessions|end-sessions|reset-mfa} (the rules of {@code /admin/users}), {@code keys rotate|list},
 * {@code client add|list|disable|enable|delete|rotate-secret}, {@code cluster credentials}. It works against the configured database (the embedded one of a running
 * server too) and keys directory. Results go to stdout, errors to stderr as one sentence.
 */
final class Cli {
  static final String USAGE = String.join("\n",
      "usage: java -jar jwt-auth-server.jar [serve]",
      "       java -jar jwt-auth-server.jar user add <username> [--role <role>]...   (password from the console or stdin)",
      "       java -jar jwt-auth-server.jar user list [--q <part of name>] [--limit <n>] [--offset <n>]",
      "       java -jar jwt-auth-server.jar user show <username>",
      "       java -jar jwt-auth-server.jar user roles <username> [--role <role>]...   (sets exactly these roles)",
      "       java -jar jwt-auth-server.jar user disable|enable|delete|unlock <username>",
      "       java -jar jwt-auth-server.jar user reset-password <username>   (prints a one-time reset token)",
      "       java -jar jwt-auth-server.jar user sessions|end-sessions <username>",
      "       java -jar jwt-auth-server.jar user reset-mfa <username>   (removes the TOTP and recovery codes, ends sessions)",
      "       java -jar jwt-auth-server.jar keys rotate",
      "       java -jar jwt-auth-server.jar keys list",
      "       java -jar jwt-auth-server.jar client add <client_id> [--role <role>]... [--scope <scope>]... [--redirect-uri <uri>]...\n"
          + "           [--grant-type authorization_code|refresh_token|client_credentials]... [--token-endpoint-auth-method client_secret_basic|client_secret_post|none]",
      "       java -jar jwt-auth-server.jar client list",
      "       java -jar jwt-auth-server.jar client disable|enable|delete <client_id>",
      "       java -jar jwt-auth-server.jar client rotate-secret <client_id>",
      "       java -jar jwt-auth-server.jar cluster credentials <dir>   (a new cluster's credentials; give every member a copy)");

  private final AppConfig config;
  private final PrintStream out;
  private final BufferedReader in;
  private final ClientCommands clients;

  /**
   * @param in where passwords are read when there is no console (piped stdin, tests)
   */
  Cli(AppConfig config, PrintStream out, BufferedReader in) {
    this.config = config;
    this.out = out;
    this.in = in;
    this.clients = new ClientCommands(config, out);
  }

  /** Runs one command; returns the exit code (0 ok, 2 failure, 64 usage). */
  int run(List<String> args) {
    String command = args.size() >= 2 ? args.get(0) + " " + args.get(1) : String.join(" ", args);
    List<String> rest = args.size() > 2 ? args.subList(2, args.size()) : List.of();
    return switch (command) {
      case "keys list" -> keysList();
      case "keys rotate" -> keysRotate();
      case "user add" -> withDatabase(rest, 1, this::userAdd);
      case "user list" -> withDatabase(rest.isEmpty() ? List.of("-") : prefixed(rest), 1, (pool, a) -> userAdmin(pool, this::userList, a));
      case "user show" -> withDatabase(rest, 1, (pool, a) -> userAdmin(pool, this::userShow, a));
      case "user roles" -> withDatabase(rest, 1, (pool, a) -> userAdmin(pool, this::userRoles, a));
      case "user disable" -> withDatabase(rest, 1, (pool, a) -> userAdmin(pool, (admin, b) ->
          changed(admin.setDisabled(UserAdmin.Actor.CLI, b.get(0), true), b.get(0), "disabled"), a));
      case "user enable" -> withDatabase(rest, 1, (pool, a) -> userAdmin(pool, (admin, b) ->
          changed(admin.setDisabled(UserAdmin.Actor.CLI, b.get(0), false), b.get(0), "enabled"), a));
      case "user delete" -> withDatabase(rest, 1, (pool, a) -> userAdmin(pool, (admin, b) ->
          changed(admin.delete(UserAdmin.Actor.CLI, b.get(0)), b.get(0), "deleted"), a));
      case "user end-sessions" -> withDatabase(rest, 1, (pool, a) -> userAdmin(pool, (admin, b) ->
          changed(admin.endSessions(UserAdmin.Actor.CLI, b.get(0)), b.get(0), "sessions ended"), a));
      case "user reset-password" -> withDatabase(rest, 1, (pool, a) -> userAdmin(pool, this::userResetPassword, a));
      case "user reset-mfa" -> withDatabase(rest, 1, (pool, a) -> userAdmin(pool, (admin, b) -> changed(admin
          .resetSecondFactor(UserAdmin.Actor.CLI, b.get(0), new TotpStore(pool, Clock.systemUTC())::remove), b.get(0),
          "second factor removed, sessions ended"), a));
      case "user sessions" -> withDatabase(rest, 1, (pool, a) -> userAdmin(pool, this::userSessions, a));
      case "user unlock" -> withDatabase(rest, 1, this::userUnlock);
      case "client add" -> withDatabase(rest, 1, clients::add);
      case "client list" -> withDatabase(List.of("-"), 1, (pool, a) -> clients.list(pool));
      case "client disable" -> withDatabase(rest, 1, (pool, a) -> clients.change(pool, a.get(0), "disabled"));
      case "client enable" -> withDatabase(rest, 1, (pool, a) -> clients.change(pool, a.get(0), "enabled"));
      case "client delete" -> withDatabase(rest, 1, (pool, a) -> clients.change(pool, a.get(0), "deleted"));
      case "client rotate-secret" -> withDatabase(rest, 1, clients::rotateSecret);
      case "cluster credentials" -> clusterCredentials(rest, out);
      default -> usage("unknown command '" + String.join(" ", args) + "'");
    };
  }

  static int usage(String problem) {
    System.err.println("jwt-auth-server: " + problem + "\n" + USAGE);
    return 64;
  }

  /** Whether {@code args} is a command that needs no settings (it runs even when they are incomplete). */
  static boolean needsNoConfig(List<String> args) {
    return args.size() >= 2 && args.get(0).equals("cluster") && args.get(1).equals("credentials");
  }

  /** {@code cluster credentials DIR}: the credentials of a new cluster (folder 0700, files 0600), never overwritten. */
  static int clusterCredentials(List<String> args, PrintStream out) {
    if (args.size() != 1 || args.get(0).startsWith("--")) {
      return usage("cluster credentials takes one folder");
    }
    Path dir = Path.of(args.get(0));
    try {
      ClusterCredentials credentials = ClusterCredentials.create(dir);
      out.println("created the credentials of cluster " + credentials.clusterName() + " in " + dir.toAbsolutePath());
      out.println("give every member a copy of this folder and run it with CLUSTER_CREDENTIALS=" + dir.toAbsolutePath()
          + " (keep it private: whoever holds it can join the cluster)");
      return 0;
    } catch (ConfigException e) {
      System.err.println("jwt-auth-server: " + e.getMessage());
      return 2;
    }
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

  private interface AdminCommand {
    int run(UserAdmin admin, List<String> args);
  }

  /** "user list --q x": withDatabase wants a positional argument first. */
  private static List<String> prefixed(List<String> args) {
    List<String> all = new ArrayList<>();
    all.add("-");
    all.addAll(args);
    return all;
  }

  /**
   * Runs a user administration command with the rules of {@code /admin/users} ({@link UserAdmin}):
   * revocations are stored (a running server applies them at its next revocation resync) and audit
   * events are written straight to the table.
   */
  private int userAdmin(Pool pool, AdminCommand command, List<String> args) {
    Vertx local = Vertx.vertx();
    try {
      Clock clock = Clock.systemUTC();
      var executor = local.createSharedWorkerExecutor("cli-argon2", 1);
      PasswordHasher hasher = new PasswordHasher(executor, config.argon2MemoryKib(), config.argon2Iterations(),
          config.argon2Parallelism());
      UserSessions sessions = new UserSessions(
          new RefreshTokens(pool, config.refreshTokenTtl(), config.refreshGrace(), clock),
          new Revocations(local, pool, clock), config.accessTokenTtl().plus(config.clockLeeway()), clock);
      UserAdmin admin = new UserAdmin(new UserRepository(pool), hasher, sessions, e -> Audit.store(pool, e), clock);
      return command.run(admin, args);
    } catch (ApiError e) {
      return refused(e);
    } finally {
      local.close().await();
    }
  }

  private int changed(io.vertx.core.Future<Void> change, String username, String what) {
    change.await();
    out.println("user " + Usernames.normalise(username).orElse(username) + " " + what);
    return 0;
  }

  private int userList(UserAdmin admin, List<String> args) {
    List<String> q = options(args, "--q");
    List<String> limit = options(args, "--limit");
    List<String> offset = options(args, "--offset");
    if (q == null || limit == null || offset == null) {
      return usage("--q, --limit and --offset each take a value");
    }
    int n;
    long from;
    try {
      n = limit.isEmpty() ? 100 : Integer.parseInt(limit.get(0));
      from = offset.isEmpty() ? 0 : Long.parseLong(offset.get(0));
    } catch (NumberFormatException e) {
      return usage("--limit and --offset take whole numbers");
    }
    var page = admin.list(q.isEmpty() ? null : q.get(0), Math.max(1, n), Math.max(0, from)).await();
    for (var u : page.users()) {
      out.println(line(u));
    }
    out.println(page.users().size() + " of " + page.total() + " users");
    return 0;
  }

  private static String line(UserRepository.Account u) {
    return u.username() + "  id=" + u.id() + "  roles=" + u.roles() + "  created=" + Instant.ofEpochSecond(u.createdAt())
        + (u.disabled() ? "  DISABLED" : "");
  }

  private int userShow(UserAdmin admin, List<String> args) {
    out.println(line(admin.get(args.get(0)).await()));
    return 0;
  }

  private int userRoles(UserAdmin admin, List<String> args) {
    List<String> roles = options(args, "--role");
    if (roles == null) {
      return usage("--role takes a value");
    }
    var user = admin.setRoles(UserAdmin.Actor.CLI, args.get(0), roles).await();
    out.println("user " + user.username() + " roles=" + user.roles());
    return 0;
  }

  private int userResetPassword(UserAdmin admin, List<String> args) {
    var reset = admin.resetPassword(UserAdmin.Actor.CLI, args.get(0)).await();
    out.println("reset_token=" + reset.getString("reset_token") + "   (shown once; valid "
        + reset.getLong("expires_in") / 3600 + " h; the user sets a new password with POST /auth/password-reset)");
    return 0;
  }

  private int userSessions(UserAdmin admin, List<String> args) {
    var sessions = admin.sessions(args.get(0)).await();
    for (var s : sessions) {
      out.printf("sid=%s  created=%s  last_used=%s%s%n", SessionIds.of(s.familyId()), Instant.ofEpochSecond(s.createdAt()),
          Instant.ofEpochSecond(s.lastUsedAt()), s.clientId() == null ? "" : "  client_id=" + s.clientId());
    }
    out.println(sessions.size() + " live sessions");
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

  /** A refused command: its error code and sentence on stderr, exit 2. */
  static int refused(ApiError e) {
    System.err.println("jwt-auth-server: " + e.code() + ": " + e.getMessage());
    return 2;
  }

  /** Every value of {@code --name value} pairs after the positional argument, or null on a dangling flag. */
  static List<String> options(List<String> args, String name) {
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
