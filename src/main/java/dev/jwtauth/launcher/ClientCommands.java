package dev.jwtauth.launcher;

import dev.jwtauth.clients.Client;
import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.clients.ClientRules;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.tokens.Names;
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

  /**
   * {@code client add <id> [--role r]... [--scope s]... [--redirect-uri u]... [--grant-type g]...
   * [--token-endpoint-auth-method m]}; RFC 7591's spellings ({@code --redirect_uris},
   * {@code --grant_types}, {@code --token_endpoint_auth_method}) work too, and a {@code --scope}
   * value may hold several space-separated scopes. Method {@code none}: a public client, no secret.
   */
  int add(Pool pool, List<String> args) {
    List<String> roles = Cli.options(args, "--role");
    List<String> scopes = either(args, "--scope", "--scopes");
    List<String> uris = either(args, "--redirect-uri", "--redirect_uris");
    List<String> grants = either(args, "--grant-type", "--grant_types");
    List<String> method = either(args, "--token-endpoint-auth-method", "--token_endpoint_auth_method");
    if (roles == null || scopes == null || uris == null || grants == null || method == null) {
      return Cli.usage("--role, --scope, --redirect-uri, --grant-type and --token-endpoint-auth-method each take a value");
    }
    if (method.size() > 1) {
      return Cli.usage("--token-endpoint-auth-method is given once");
    }
    String clientId;
    ClientRules.Metadata metadata;
    try {
      clientId = ClientRules.clientId(args.get(0));
      roles = ClientRules.roles(roles);
      scopes = ClientRules.scopes(scopes.stream().flatMap(s -> Names.splitScope(s).stream()).toList());
      metadata = ClientRules.metadata(uris.isEmpty() ? null : uris,
          grants.isEmpty() ? null : grants.stream().flatMap(s -> Names.splitScope(s).stream()).toList(),
          method.isEmpty() ? null : method.get(0));
    } catch (ApiError e) {
      return Cli.refused(e);
    }
    String secret = metadata.isPublic() ? null : ClientRules.newSecret();
    try {
      new ClientRepository(pool).create(clientId, secret, roles, scopes, metadata).await();
    } catch (ApiError e) {
      return Cli.refused(e);
    }
    out.println("client_id=" + clientId);
    if (secret != null) {
      out.println("client_secret=" + secret + "   (shown once; store it now)");
    } else {
      out.println("public client: no secret (token_endpoint_auth_method=none, PKCE required)");
    }
    return 0;
  }

  /** The values of two spellings of one option, or null on a dangling flag. */
  private static List<String> either(List<String> args, String name, String alias) {
    List<String> a = Cli.options(args, name);
    List<String> b = Cli.options(args, alias);
    if (a == null || b == null) {
      return null;
    }
    List<String> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  int list(Pool pool) {
    for (Client c : new ClientRepository(pool).list().await()) {
      out.printf("%s  roles=%s  scopes=%s  grant_types=%s%s%s%s%n", c.clientId(), c.roles(), c.scopes(),
          c.grantTypes(), c.isPublic() ? "  PUBLIC" : "", c.redirectUris().isEmpty() ? "" : "  redirect_uris=" + c.redirectUris(),
          c.disabled() ? "  DISABLED" : "");
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
