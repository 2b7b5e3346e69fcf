package dev.jwtauth.http;

import dev.jwtauth.tokens.DpopProofs;
import dev.jwtauth.tokens.TokenVerifier;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.JWTAuthHandler;
import io.vertx.ext.web.handler.SimpleAuthenticationHandler;

import java.util.List;
import java.util.function.Function;

/**
 * Access-token authentication for a route, bearer or DPoP (RFC 6750, RFC 9449 §7), as two handlers
 * ({@link #protect}):
 * <ol>
 *   <li>{@code Authorization: Bearer …} goes to vertx-web's {@link JWTAuthHandler} unchanged (the hot
 *       path costs one header test more); {@code Authorization: DPoP …} is verified by the same
 *       {@link TokenVerifier}, then its {@code DPoP} proof is checked ({@link DpopProofs#checkBinding}):
 *       signature, {@code htm}, {@code htu}, {@code iat}, {@code ath}, replay, nonce, and the proof's
 *       key equal to the token's {@code cnf.jkt}. A token without {@code cnf} is refused under the
 *       DPoP scheme.</li>
 *   <li>A token bound to a key ({@code cnf.jkt}) that came as a bearer token is refused: it is
 *       good only with a proof by its key.</li>
 * </ol>
 * Failures are 401s rendered by {@link BearerChallenge} ({@code WWW-Authenticate: DPoP algs=…,
 * error=…} for DPoP failures). One instance per verticle instance (it holds that instance's verifier).
 */
public final class AccessTokenAuth {
  /** Set on the routing context when the token came under the DPoP scheme: the proof's jkt. */
  static final String DPOP_JKT = "dpop.jkt";

  private final JWTAuthHandler bearer;
  private final TokenVerifier verifier;
  private final DpopProofs proofs;
  private final Function<RoutingContext, List<String>> urls;
  private final SimpleAuthenticationHandler dpop = SimpleAuthenticationHandler.create().authenticate(this::dpopUser);

  /**
   * @param bearer   the bearer handler over {@code verifier}
   * @param verifier the verifier of this verticle instance
   * @param proofs   the process's proof checker
   * @param urls     the URLs a proof's {@code htu} may name for a request ({@link DpopUrls})
   */
  public AccessTokenAuth(JWTAuthHandler bearer, TokenVerifier verifier, DpopProofs proofs,
                         Function<RoutingContext, List<String>> urls) {
    this.bearer = bearer;
    this.verifier = verifier;
    this.proofs = proofs;
    this.urls = urls;
  }

  /** Adds both handlers to {@code route}; returns it for the handlers that follow. */
  public Route protect(Route route) {
    return route.handler(this::authenticate).handler(this::refuseBoundBearer);
  }

  /** Same, except for requests {@code skip} accepts, which pass through unauthenticated. */
  public Route protectUnless(Route route, java.util.function.Predicate<RoutingContext> skip) {
    return route.handler(ctx -> {
      if (skip.test(ctx)) {
        ctx.next();
      } else {
        authenticate(ctx);
      }
    }).handler(ctx -> {
      if (skip.test(ctx)) {
        ctx.next();
      } else {
        refuseBoundBearer(ctx);
      }
    });
  }

  private void authenticate(RoutingContext ctx) {
    String auth = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (auth == null || !auth.regionMatches(true, 0, "DPoP ", 0, 5)) {
      bearer.handle(ctx);
    } else {
      dpop.handle(ctx);
    }
  }

  /** The user of a DPoP-scheme request: token verified, then its proof (RFC 9449 §7.1). */
  private Future<User> dpopUser(RoutingContext ctx) {
    String token = ctx.request().getHeader(HttpHeaders.AUTHORIZATION).substring(5).trim();
    if (token.isEmpty() || token.length() > TokenVerifier.MAX_TOKEN_CHARS) {
      return Future.failedFuture(new DpopProofs.Rejected("invalid_token", "bad token length"));
    }
    return verifier.authenticate(new TokenCredentials(token))
        .recover(err -> Future.failedFuture(new DpopProofs.Rejected("invalid_token", err.getMessage())))
        .compose(user -> {
          try {
            var claims = TokenVerifier.claims(user);
            if (DpopProofs.boundKey(claims) == null) {
              throw new DpopProofs.Rejected("invalid_token", "unbound token under the DPoP scheme");
            }
            String jkt = proofs.checkBinding(claims, ctx.request().headers().getAll(DpopProofs.HEADER),
                ctx.request().method().name(), urls.apply(ctx), token);
            ctx.put(DPOP_JKT, jkt);
            if (proofs.noncesRequired()) {
              ctx.response().putHeader(DpopProofs.NONCE_HEADER, proofs.currentNonce());
            }
            return Future.succeededFuture(user);
          } catch (DpopProofs.Rejected e) {
            return Future.failedFuture(e);
          }
        });
  }

  private void refuseBoundBearer(RoutingContext ctx) {
    if (ctx.get(DPOP_JKT) == null && ctx.user() != null
        && DpopProofs.boundKey(TokenVerifier.claims(ctx.user())) != null) {
      // RFC 9449 §7.2: a DPoP-bound token is not a bearer token
      ctx.fail(401, new DpopProofs.Rejected("invalid_token", "bound token presented as bearer"));
      return;
    }
    ctx.next();
  }
}
