package dev.jwtauth.feed;

import dev.jwtauth.clients.BasicCredentials;
import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.http.ApiError;
import dev.jwtauth.tokens.Revocations;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /oauth2/revocations}: the revocation feed, for a registered client holding the scope
 * {@code revocations:read}, authenticated by HTTP Basic (RFC 6749 §2.3.1) on each connection. Basic
 * rather than a bearer token: a stream outlives any access token, and the verifier needs no token
 * endpoint round trip before it can connect. 401 {@code invalid_client} without valid credentials,
 * 403 {@code insufficient_scope} without the scope, 503 when the process serves its maximum of streams.
 */
public final class RevocationFeedHandler implements Handler<RoutingContext> {
  private final RevocationFeed feed;
  private final ClientRepository clients;
  private final Revocations revocations;

  public RevocationFeedHandler(RevocationFeed feed, ClientRepository clients, Revocations revocations) {
    this.feed = feed;
    this.clients = clients;
    this.revocations = revocations;
  }

  @Override
  public void handle(RoutingContext ctx) {
    var credentials = BasicCredentials.parse(ctx.request().getHeader("Authorization"));
    if (credentials.isEmpty()) {
      ctx.fail(ClientRepository.INVALID_CLIENT);
      return;
    }
    clients.authenticate(credentials.get().clientId(), credentials.get().secret()).onSuccess(client -> {
      if (!client.scopes().contains(RevocationFeed.SCOPE)) {
        ctx.fail(new ApiError(403, "insufficient_scope",
            "The revocation feed requires a client with the scope '" + RevocationFeed.SCOPE + "'."));
      } else if (!feed.open(ctx.response(), revocations.active())) {
        ctx.fail(new ApiError(503, "temporarily_unavailable", "Too many revocation feed streams; retry later.").retryAfter(5));
      }
    }).onFailure(ctx::fail);
  }
}
