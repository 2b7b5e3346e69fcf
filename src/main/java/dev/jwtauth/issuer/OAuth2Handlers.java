package dev.jwtauth.issuer;

import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.clients.Client;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.oidc.AuthorizationStore;
import dev.jwtauth.http.Responses;
import dev.jwtauth.tokens.DpopProofs;
import dev.jwtauth.tokens.Names;
import dev.jwtauth.tokens.RefreshTokens;
import dev.jwtauth.tokens.TokenVerifier;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * The OAuth 2 endpoints, form-encoded: {@code /oauth2/token} (RFC 6749: authorization_code with
 * PKCE, refresh_token and client_credentials), {@code /oauth2/revoke} (RFC 7009) and {@code /oauth2/introspect} (RFC 7662).
 * Errors follow RFC 6749 §5.2.
 */
final class OAuth2Handlers {
  private static final ApiError INVALID_CLIENT = ClientRepository.INVALID_CLIENT;

  private final TokenService tokens;
  private final ClientRepository clients;
  private final RefreshTokens refreshTokens;
  private final TokenVerifier verifier;
  private final TokenEndpointProofs proofs;
  private final AuthorizationStore codes;

  OAuth2Handlers(TokenService tokens, ClientRepository clients, RefreshTokens refreshTokens, TokenVerifier verifier,
                 TokenEndpointProofs proofs, AuthorizationStore codes) {
    this.proofs = proofs;
    this.codes = codes;
    this.tokens = tokens;
    this.clients = clients;
    this.refreshTokens = refreshTokens;
    this.verifier = verifier;
  }

  /** {@code POST /oauth2/token}. */
  void token(RoutingContext ctx) {
    MultiMap form = form(ctx);
    String grant = single(form, "grant_type", true);
    if (!grant.equals("authorization_code") && !grant.equals("refresh_token") && !grant.equals("client_credentials")) {
      throw new ApiError(400, "unsupported_grant_type",
          "grant_type must be authorization_code, refresh_token or client_credentials.");
    }
    // RFC 9449 §5: every grant takes a proof, and binds what it issues to the proof's key; its jti
    // is recorded once tokens are issued (TokenEndpointProofs.record)
    DpopProofs.Checked proof = proofs.check(ctx);
    String jkt = TokenEndpointProofs.jkt(proof);
    switch (grant) {
      case "authorization_code" -> authorizationCode(ctx, form, proof);
      case "refresh_token" -> {
        String token = single(form, "refresh_token", true);
        // one round trip: the presenting client is known from the request (its secret checked, or a
        // public client by its client_id) and the rotation statement applies the session's rule
        presenter(ctx, form)
            .compose(clientId -> tokens.refreshForClient(token, clientId, jkt))
            .onSuccess(res -> issued(ctx, proof, res))
            // RFC 6749 §5.2: an invalid grant is a 400 here (the /auth API answers 401)
            .onFailure(err -> ctx.fail(err == TokenService.INVALID_REFRESH || err == TokenService.REFRESH_KEY_MISMATCH
                ? new ApiError(400, "invalid_grant", err.getMessage()) : err));
      }
      case "client_credentials" -> {
        String scope = single(form, "scope", false);
        authenticateClient(ctx, form, true).onSuccess(client -> {
          if (!client.allows("client_credentials")) {
            ctx.fail(new ApiError(400, "unauthorized_client", "This client is not registered for client_credentials."));
            return;
          }
          List<String> asked = scope == null || scope.isBlank() ? client.scopes() : Names.splitScope(scope);
          if (!client.scopes().containsAll(asked)) {
            ctx.fail(new ApiError(400, "invalid_scope", "The requested scope exceeds what this client may ask for."));
            return;
          }
          issued(ctx, proof, tokens.issueForClient(client, asked, jkt));
        }).onFailure(ctx::fail);
      }
      default -> throw new ApiError(400, "unsupported_grant_type",
          "grant_type must be authorization_code, refresh_token or client_credentials.");
    }
  }

  /** The token response, once the proof (if any) is recorded as used. */
  private void issued(RoutingContext ctx, DpopProofs.Checked proof, JsonObject res) {
    proofs.record(proof);
    Responses.tokenJson(ctx, res);
  }

  private static final ApiError INVALID_CODE = new ApiError(400, "invalid_grant",
      "The authorization code is invalid, expired or used, or was issued for another client, redirect URI or"
          + " code_verifier.");

  /**
   * {@code grant_type=authorization_code} (RFC 6749 §4.1.3, RFC 7636 §4.5): {@code code},
   * {@code redirect_uri} (exactly the authorization request's) and {@code code_verifier}, from the
   * client the code was issued to (its secret for a confidential client, its {@code client_id} for a
   * public one). A used code presented again revokes what its first exchange issued.
   */
  private void authorizationCode(RoutingContext ctx, MultiMap form, DpopProofs.Checked proof) {
    String code = single(form, "code", true);
    String redirectUri = single(form, "redirect_uri", false);
    String verifier = single(form, "code_verifier", false);
    identifyClient(ctx, form)
        .compose(client -> {
          if (!client.allows("authorization_code")) {
            return Future.failedFuture(new ApiError(400, "unauthorized_client",
                "This client is not registered for the authorization_code grant."));
          }
          return codes.redeem(code, client.clientId(), redirectUri, verifier);
        })
        .compose(r -> switch (r.status()) {
          case REDEEMED -> tokens.issueForCode(r, TokenEndpointProofs.jkt(proof));
          case REUSED -> tokens.revokeCodeSession(r.familyId()).compose(v -> Future.failedFuture(INVALID_CODE));
          case INVALID -> Future.failedFuture(INVALID_CODE);
        })
        .onSuccess(res -> issued(ctx, proof, res))
        .onFailure(ctx::fail);
  }

  /**
   * The client of a request that must name one: a confidential client by its secret (HTTP Basic or
   * form, RFC 6749 §2.3.1), a public client ({@code token_endpoint_auth_method=none}) by its
   * {@code client_id} alone; 401 invalid_client otherwise.
   */
  private Future<Client> identifyClient(RoutingContext ctx, MultiMap form) {
    String formId = single(form, "client_id", false);
    if (hasSecret(ctx, form)) {
      return authenticateClient(ctx, form, true).compose(c -> formId != null && !formId.equals(c.clientId())
          ? Future.failedFuture(INVALID_CLIENT) : Future.succeededFuture(c));
    }
    return publicClient(formId).compose(c -> c != null ? Future.succeededFuture(c) : Future.failedFuture(INVALID_CLIENT));
  }

  /**
   * Who presents a refresh token: the client whose secret the request carries (invalid: 401), else
   * the public client its {@code client_id} names, else nobody (null). A login session rotates for
   * anyone holding it; a client's session only for that client (RefreshTokens' rotation statement),
   * and presented by nobody it is a 401 invalid_client.
   */
  private Future<String> presenter(RoutingContext ctx, MultiMap form) {
    if (hasSecret(ctx, form)) {
      return identifyClient(ctx, form).map(Client::clientId);
    }
    return publicClient(single(form, "client_id", false)).map(c -> c == null ? null : c.clientId());
  }

  private static boolean hasSecret(RoutingContext ctx, MultiMap form) {
    String header = ctx.request().getHeader("Authorization");
    return (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) || single(form, "client_secret", false) != null;
  }

  /** The enabled public client {@code id} names, or null. */
  private Future<Client> publicClient(String id) {
    if (id == null || id.length() > 128) {
      return Future.succeededFuture(null);
    }
    return clients.find(id).map(found -> found.isPresent() && found.get().isPublic() && !found.get().disabled()
        ? found.get() : null);
  }

  /** {@code POST /oauth2/revoke}: always 200 for a well-formed request, known token or not (RFC 7009 §2.2). */
  void revoke(RoutingContext ctx) {
    MultiMap form = form(ctx);
    String token = single(form, "token", true);
    authenticateClient(ctx, form, false)
        .compose(client -> looksLikeJwt(token)
            ? verifier.verify(token).compose(tokens::revokeAccess).recover(err -> Future.succeededFuture())
            : tokens.revokeRefreshToken(token).mapEmpty())
        .onSuccess(v -> ctx.response().setStatusCode(200).putHeader("Cache-Control", "no-store").end())
        .onFailure(ctx::fail);
  }

  /** {@code POST /oauth2/introspect}: client-authenticated; {@code active:false} for anything not valid. */
  void introspect(RoutingContext ctx) {
    MultiMap form = form(ctx);
    String token = single(form, "token", true);
    authenticateClient(ctx, form, true)
        .compose(client -> looksLikeJwt(token)
            ? verifier.verify(token)
                // RFC 9449 §6.2: a bound token shows its cnf (among the claims) and token_type DPoP
                .map(claims -> claims.copy().put("active", true)
                    .put("token_type", DpopProofs.boundKey(claims) == null ? "Bearer" : "DPoP"))
                .otherwise(err -> new JsonObject().put("active", false))
            : refreshTokens.active(token).map(state -> state.map(RefreshTokens.Active::toIntrospection)
                .orElseGet(() -> new JsonObject().put("active", false))))
        .onSuccess(body -> Responses.tokenJson(ctx, body))
        .onFailure(ctx::fail);
  }

  /**
   * Client authentication by HTTP Basic or form fields (RFC 6749 §2.3.1). With {@code required}
   * false and no credentials, answers null (a public client). Presented credentials must be valid.
   */
  private Future<Client> authenticateClient(RoutingContext ctx, MultiMap form, boolean required) {
    String header = ctx.request().getHeader("Authorization");
    String formId = single(form, "client_id", false);
    String formSecret = single(form, "client_secret", false);
    String id;
    String secret;
    if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
      if (formSecret != null) {
        throw ApiError.invalidRequest("Use one client authentication method, not two.");
      }
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(INVALID_CLIENT);
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        return Future.failedFuture(INVALID_CLIENT);
      }
      id = URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
      secret = URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
    } else if (formSecret != null) {
      id = formId;
      secret = formSecret;
    } else {
      return required ? Future.failedFuture(INVALID_CLIENT) : Future.succeededFuture(null);
    }
    return clients.authenticate(id, secret);
  }

  private static boolean looksLikeJwt(String token) {
    return token.chars().filter(c -> c == '.').count() == 2;
  }

  private static MultiMap form(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      throw new ApiError(415, "unsupported_media_type", "The request body must be application/x-www-form-urlencoded.");
    }
    return ctx.request().formAttributes();
  }

  /** A form parameter that may appear at most once (RFC 6749 §3.2), or null when absent and optional. */
  private static String single(MultiMap form, String name, boolean required) {
    List<String> values = form.getAll(name);
    if (values.size() > 1) {
      throw ApiError.invalidRequest("The parameter '" + name + "' must not be repeated.");
    }
    if (values.isEmpty() || values.get(0).isEmpty()) {
      if (required) {
        throw ApiError.invalidRequest("The parameter '" + name + "' is required.");
      }
      return null;
    }
    if (values.get(0).length() > 4_096) {
      throw ApiError.invalidRequest("The parameter '" + name + "' is too long.");
    }
    return values.get(0);
  }
}
