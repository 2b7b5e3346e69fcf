package dev.jwtauth.launcher;

import dev.jwtauth.clients.Client;
import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.clients.ClientRules;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.tokens.Revocations;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;

import java.io.PrintStream;
import java.time.Clock;
import java.util.List;

/**
 * The {@code client} verbs of the command line: {@code add|list|disable|enable|delete|rotate-secret},
 * by the same rules as {@code /admin/clients} ({@link ClientRules}).
 */
final class ClientCommands {
  private final AppConfig config;
  private final PrintStream out;

  ClientCommands(AppConfig config, PrintStream out) {
    this.config = config;
    this.out = out;
  }

  int add(Pool pool, List<String> args) {
    List<String> roles = Cli.options(args, "--role");
    List<String> scopes = Cli.options(args, "--scope");
    if (roles == null || scopes == null) {
      return Cli.usage("--role and --scope each take a value");
    }
    String clientId;
    try {
      clientId = ClientRules.clientId(args.get(0));
      roles = ClientRules.roles(roles);
      scopes = ClientRules.scopes(scopes);
    } catch (ApiError e) {
      return Cli.refused(e);
    }
    String secret = ClientRules.newSecret();
    try {
      new ClientRepository(pool).create(clientId, secret, roles, scopes).await();
    } catch (ApiError e) {
      return Cli.refused(e);
    }
    out.println("client_id=" + clientId);
    out.println("client_secret=" + secret + "   (shown once; store it now)");
    return 0;
  }

  int list(Pool pool) {
    for (Client c : new ClientRepository(pool).list().await()) {
      out.printf("%s  roles=%s  scopes=%s%s%n", c.clientId(), c.roles(), c.scopes(), c.disabled() ? "  DISABLED" : "");
    }
    return 0;
  }

  /**
   * Disables, enables or deletes a client. Disabling and deleting also revoke the tokens issued to it
   * so far: a running server stops accepting them at its next revocation resync.
   */
  int change(Pool pool, String clientId, String change) {
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
      return Cli.refused(e);
    }
    out.println("client " + clientId + " " + change);
    return 0;
  }

  int rotateSecret(Pool pool, List<String> args) {
    String secret = ClientRules.newSecret();
    try {
      new ClientRepository(pool).setSecret(args.get(0), secret).await();
    } catch (ApiError e) {
      return Cli.refused(e);
    }
    out.println("client_id=" + args.get(0));
    out.println("client_secret=" + secret + "   (shown once; the old secret no longer works)");
    return 0;
  }
}
