package dev.jwtauth.verifier;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.AuthenticationHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.ext.web.handler.JWTAuthHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Bearer-token protection for a Vert.x service that trusts a jwt-auth-server: one object per
 * process, made from the issuer's URL.
 *
 * <pre>{@code
 * ResourceServerAuth auth = ResourceServerAuth.create(vertx, new ResourceServerOptions()
 *     .setIssuer("https://auth.example.com").setAudience("api")
 *     .setFeedClient("orders-service", System.getenv("FEED_SECRET"))).await();
 * Router router = Router.router(vertx);
 * auth.protect(router, "/api/*");                        // 401 without a valid access token
 * router.get("/api/admin").handler(auth.requireRole("admin")).handler(...);   // 403 without the role
 * router.get("/api/reports").handler(auth.requireScope("reports:read")).handler(...);
 * }</pre>
 *
 * <p>What it does: reads the issuer's discovery document ({@code /.well-known/openid-configuration},
 * whose {@code issuer} must equal the configured one) for its {@code jwks_uri}; fetches the JWKS
 * and re-reads it as its {@code Cache-Control: max-age} says, conditionally ({@code ETag}), and at
 * once (at most every 5 s) when a token names an unknown {@code kid}; verifies each token with
 * vertx-auth-jwt ({@link TokenVerifier}: {@code typ at+jwt}, the published algorithms only,
 * {@code iss}, {@code aud}, {@code exp} with leeway), remembering verified tokens (Caffeine); and,
 * with a feed client, follows the auth server's revocation feed ({@link RevocationFeedClient}), so a
 * revoked token is rejected within a second with no call per request. It fails closed: 503 (with
 * {@code Retry-After}) until it holds keys and, with a feed client, the feed's first snapshot.
 * Without a feed client it cannot see revocations: a logged-out token stays valid until it expires.
 *
 * <p>Call {@link #authenticationHandler()} (or {@link #protect}) once per verticle instance: each
 * gets its own {@code JWTAuth} (one shared by several event loops locks one {@code Signature} per
 * key and halves throughput), while keys, revocations and the verified-token cache are shared.
 */
public final class ResourceServerAuth {
  private static final Logger log = LoggerFactory.getLogger(ResourceServerAuth.class);
  /** Bounds on how long a key set is kept before it is re-read, whatever its max-age says. */
  static final Duration MIN_JWKS_REFRESH = Duration.ofSeconds(10);
  static final Duration MAX_JWKS_REFRESH = Duration.ofHours(1);
  private static final Duration DEFAULT_JWKS_REFRESH = Duration.ofMinutes(5);

  private final Vertx vertx;
  private final ResourceServerOptions options;
  private final WebClient web;
  private final RevocationSet revoked;
  private final VerifiedTokens verified;
  private final List<TokenVerifier> verifiers = new CopyOnWriteArrayList<>();
  private final RevocationFeedClient feed;
  private volatile RemoteJwks jwks;
  private volatile boolean closed;
  private long timer = -1;
  private final long pruneTimer;

  private ResourceServerAuth(Vertx vertx, ResourceServerOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.web = WebClient.create(vertx);
    this.revoked = new RevocationSet(options.getClock());
    this.verified = TokenVerifier.newCache(options.getCacheSize(), options.getClock());
    if (options.getFeedClientId() != null) {
      String uri = options.getFeedUri() != null ? options.getFeedUri() : base(options.getIssuer()) + RevocationFeedClient.PATH;
      this.feed = new RevocationFeedClient(vertx, uri, options.getFeedClientId(), options.getFeedClientSecret(), revoked);
    } else {
      this.feed = null;
    }
    this.pruneTimer = vertx.setPeriodic(60_000, t -> revoked.prune(options.getLeeway().toSeconds()));
  }

  /**
   * Starts protecting tokens of {@code options}' issuer. Fails at once on bad options or when the
   * issuer's discovery document names another issuer; if the issuer cannot be reached yet, succeeds
   * not {@link #ready()} (every request answered 503) and keeps asking every
   * {@link ResourceServerOptions#getRetryInterval() retry interval}.
   */
  public static Future<ResourceServerAuth> create(Vertx vertx, ResourceServerOptions options) {
    try {
      validate(options);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    ResourceServerAuth auth = new ResourceServerAuth(vertx, options);
    if (auth.feed != null) {
      auth.feed.start();
    }
    return auth.discover().compose(v -> Future.succeededFuture(auth), err -> {
      if (err instanceof IllegalStateException) {
        return auth.close().transform(ignored -> Future.failedFuture(err));
      }
      log.warn("issuer {} not reachable yet ({}); every request is answered 503 until its keys are loaded",
          options.getIssuer(), err.getMessage());
      auth.schedule(options.getRetryInterval());
      return Future.succeededFuture(auth);
    });
  }

  private static void validate(ResourceServerOptions o) {
    String issuer = o.getIssuer();
    URI uri;
    try {
      uri = issuer == null ? null : URI.create(issuer);
    } catch (IllegalArgumentException e) {
      uri = null;
    }
    if (uri == null || uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
      throw new IllegalArgumentException("issuer must be an absolute http(s) URL, not " + issuer);
    }
    if (o.getAudience() == null || o.getAudience().isBlank()) {
      throw new IllegalArgumentException("audience must be set");
    }
    if (o.getLeeway() == null || o.getLeeway().isNegative() || o.getLeeway().toSeconds() > 600) {
      throw new IllegalArgumentException("leeway must be between 0 and 10 minutes");
    }
    if ((o.getFeedClientId() == null) != (o.getFeedClientSecret() == null)) {
      throw new IllegalArgumentException("the feed client's id and secret must be set together");
    }
    if (o.getClock() == null || o.getRetryInterval() == null || o.getRetryInterval().toMillis() < 1) {
      throw new IllegalArgumentException("clock and a positive retry interval must be set");
    }
  }

  private static String base(String issuer) {
    return issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
  }

  /** Discovery (first time only), then the key set. IllegalStateException: a configuration error, not retried. */
  private Future<Void> discover() {
    Future<RemoteJwks> source = jwks != null ? Future.succeededFuture(jwks)
        : web.getAbs(base(options.getIssuer()) + "/.well-known/openid-configuration").timeout(5_000).send()
        .compose(res -> {
          if (res.statusCode() != 200) {
            return Future.failedFuture("discovery answered " + res.statusCode());
          }
          JsonObject meta;
          try {
            meta = res.bodyAsJsonObject();
          } catch (RuntimeException e) {
            return Future.failedFuture("discovery document is not JSON");
          }
          if (meta == null || !options.getIssuer().equals(meta.getValue("issuer"))) {
            // RFC 8414 §3.3: the metadata's issuer must be identical to the one it was asked for
            return Future.failedFuture(new IllegalStateException("the discovery document of " + options.getIssuer()
                + " names the issuer " + (meta == null ? null : meta.getValue("issuer")) + "; they must be identical"));
          }
          Object uri = meta.getValue("jwks_uri");
          if (!(uri instanceof String s) || !(s.startsWith("https://") || s.startsWith("http://"))) {
            return Future.failedFuture(new IllegalStateException("the discovery document of " + options.getIssuer()
                + " has no http(s) jwks_uri"));
          }
          jwks = new RemoteJwks(web, s);
          return Future.succeededFuture(jwks);
        });
    return source.compose(RemoteJwks::fetch).map(keys -> {
      broadcast(keys);
      log.info("verifier for issuer {}: {} trusted keys{}", options.getIssuer(), trustedKeys(keys),
          feed == null ? "; no revocation feed configured, revocations are not seen" : "");
      schedule(refreshInterval());
      return null;
    });
  }

  private static int trustedKeys(JsonObject keys) {
    JsonArray arr = keys.getJsonArray("keys");
    return arr == null ? 0 : arr.size();
  }

  private Duration refreshInterval() {
    Duration maxAge = jwks == null ? null : jwks.maxAge();
    if (maxAge == null) {
      return DEFAULT_JWKS_REFRESH;
    }
    return maxAge.compareTo(MIN_JWKS_REFRESH) < 0 ? MIN_JWKS_REFRESH
        : maxAge.compareTo(MAX_JWKS_REFRESH) > 0 ? MAX_JWKS_REFRESH : maxAge;
  }

  private synchronized void schedule(Duration delay) {
    if (closed) {
      return;
    }
    timer = vertx.setTimer(delay.toMillis(), t -> {
      Future<Void> next = jwks == null || !ready(jwks) ? discover()
          : jwks.fetchIfChanged().map(changed -> {
            if (changed != null) {
              broadcast(changed);
              log.info("verifier for issuer {}: key set changed, {} trusted keys", options.getIssuer(), trustedKeys(changed));
            }
            schedule(refreshInterval());
            return null;
          });
      next.onFailure(err -> {
        log.warn("key set of {} not re-read ({}); keeping the keys held and asking again", options.getIssuer(), err.getMessage());
        schedule(options.getRetryInterval());
      });
    });
  }

  private boolean ready(RemoteJwks source) {
    return source.keys() != null;
  }

  /** Hands a key set to every verifier; any thread. */
  private void broadcast(JsonObject keys) {
    for (TokenVerifier v : verifiers) {
      v.update(keys);
    }
  }

  /** For a verifier that met an unknown kid (it rate-limits itself): re-read the set now. */
  private Future<JsonObject> refreshKeys() {
    RemoteJwks source = jwks;
    if (source == null) {
      return Future.failedFuture("no jwks_uri yet");
    }
    return source.fetchIfChanged().map(changed -> {
      if (changed != null) {
        broadcast(changed);
      }
      return source.keys();
    });
  }

  /**
   * A new handler that authenticates the request's bearer token: 503 with {@code Retry-After}
   * until {@link #ready()}, then vertx-web's {@link JWTAuthHandler} over a {@link TokenVerifier} of
   * its own (failing the request with 401 when the token is missing or invalid; add
   * {@link #failureHandler()} to the route to answer it, or use {@link #protect}). Call once per
   * verticle instance.
   */
  public AuthenticationHandler authenticationHandler() {
    TokenVerifier verifier = new TokenVerifier(vertx, options.getIssuer(), options.getAudience(),
        (int) options.getLeeway().toSeconds(), options.getClock(), revoked, this::refreshKeys, verified);
    verifiers.add(verifier);
    RemoteJwks source = jwks;
    if (source != null && source.keys() != null) {
      verifier.update(source.keys());
    }
    JWTAuthHandler jwt = JWTAuthHandler.create(verifier, options.getRealm());
    return ctx -> {
      if (!verifier.ready() || (feed != null && !feed.synced())) {
        ctx.response().putHeader("Retry-After", "1");
        error(ctx, 503, "temporarily_unavailable", verifier.ready()
            ? "The revocation list is not loaded yet; retry shortly."
            : "The signing keys are not loaded yet; retry shortly.");
        return;
      }
      jwt.handle(ctx);
    };
  }

  /**
   * Answers a request that the authentication handler failed: 401 {@code invalid_token} with an RFC
   * 6750 §3 {@code WWW-Authenticate: Bearer} challenge (for a missing, malformed or invalid token
   * alike; why a token failed never reaches the client). Other failures pass on.
   */
  public Handler<RoutingContext> failureHandler() {
    String realm = options.getRealm();
    return ctx -> {
      Throwable err = ctx.failure();
      int status = err instanceof HttpException he ? he.getStatusCode() : (err == null ? ctx.statusCode() : -1);
      if (status != 400 && status != 401) {
        ctx.next();
        return;
      }
      boolean presented = ctx.request().getHeader("Authorization") != null;
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"" + realm + "\""
          + (presented ? ", error=\"invalid_token\", error_description=\"The access token is invalid or expired.\"" : ""));
      error(ctx, 401, "invalid_token", presented ? "The access token is invalid or expired." : "A bearer access token is required.");
    };
  }

  /** Protects {@code path} (e.g. {@code "/api/*"}) of {@code router}: {@link #authenticationHandler()} with {@link #failureHandler()}. */
  public ResourceServerAuth protect(Router router, String path) {
    router.route(path).handler(authenticationHandler()).failureHandler(failureHandler());
    return this;
  }

  /** Lets a request through only when its token's {@code roles} claim holds {@code role}; else 403 {@code insufficient_scope}. */
  public Handler<RoutingContext> requireRole(String role) {
    return ctx -> {
      if (hasRole(ctx.user(), role)) {
        ctx.next();
      } else {
        forbid(ctx, "The access token lacks the role " + role + ".", null);
      }
    };
  }

  /**
   * Lets a request through only when its token's {@code scope} claim (RFC 9068 §2.2.3, space-separated)
   * holds {@code scope}; else 403 with {@code error="insufficient_scope", scope="…"} (RFC 6750 §3.1).
   */
  public Handler<RoutingContext> requireScope(String scope) {
    return ctx -> {
      if (hasScope(ctx.user(), scope)) {
        ctx.next();
      } else {
        forbid(ctx, "The access token lacks the scope " + scope + ".", scope);
      }
    };
  }

  /** Whether the authenticated token's {@code roles} claim holds {@code role}. */
  public static boolean hasRole(User user, String role) {
    JsonArray roles = user == null ? null : claims(user).getJsonArray("roles");
    return roles != null && roles.contains(role);
  }

  /** Whether the authenticated token's {@code scope} claim holds {@code scope}. */
  public static boolean hasScope(User user, String scope) {
    Object granted = user == null ? null : claims(user).getValue("scope");
    return granted instanceof String s && Arrays.asList(s.split(" ")).contains(scope);
  }

  /** The verified claims of the request's token ({@code sub}, {@code roles}, {@code scope}, {@code exp}, …). */
  public static JsonObject claims(User user) {
    return TokenVerifier.claims(user);
  }

  private void forbid(RoutingContext ctx, String description, String scope) {
    if (ctx.user() == null) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"" + options.getRealm() + "\"");
      error(ctx, 401, "invalid_token", "A bearer access token is required.");
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"" + options.getRealm()
        + "\", error=\"insufficient_scope\", error_description=\"" + description + "\""
        + (scope != null ? ", scope=\"" + scope + "\"" : ""));
    error(ctx, 403, "insufficient_scope", description);
  }

  private static void error(RoutingContext ctx, int status, String code, String description) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(new JsonObject().put("error", code).put("error_description", description).encode());
  }

  /** Whether it holds the issuer's keys and, with a feed client, the feed's first snapshot: until then every request is a 503. */
  public boolean ready() {
    RemoteJwks source = jwks;
    return source != null && source.keys() != null && trustedKeys(source.keys()) > 0 && (feed == null || feed.synced());
  }

  /** The revocations received from the feed (empty without a feed client). */
  public RevocationSet revocations() {
    return revoked;
  }

  /** The feed client, or null when none is configured. */
  public RevocationFeedClient feed() {
    return feed;
  }

  /** Stops the timers and the feed. */
  public Future<Void> close() {
    Promise<Void> done = Promise.promise();
    synchronized (this) {
      closed = true;
      vertx.cancelTimer(timer);
    }
    vertx.cancelTimer(pruneTimer);
    (feed != null ? feed.close() : Future.<Void>succeededFuture()).onComplete(ar -> {
      web.close();
      done.complete();
    });
    return done.future();
  }
}
