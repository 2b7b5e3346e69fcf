package dev.jwtauth.issuer;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.bus.KeySetSeal;
import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.console.ConsolePage;
import dev.jwtauth.db.Database;
import dev.jwtauth.demo.DemoPage;
import dev.jwtauth.feed.RevocationFeed;
import dev.jwtauth.feed.RevocationFeedHandler;
import dev.jwtauth.http.AccessTokenAuth;
import dev.jwtauth.http.BearerChallenge;
import dev.jwtauth.http.DpopUrls;
import dev.jwtauth.http.OpenApi;
import dev.jwtauth.http.RequireMfa;
import dev.jwtauth.mfa.SecondFactor;
import dev.jwtauth.mfa.TotpEnrolment;
import dev.jwtauth.mfa.TotpStore;
import dev.jwtauth.http.Servers;
import dev.jwtauth.keys.KeyPublication;
import dev.jwtauth.oidc.AuthorizationStore;
import dev.jwtauth.keys.KeysClient;
import dev.jwtauth.process.ProcessServices;
import dev.jwtauth.tokens.AccessTokens;
import dev.jwtauth.tokens.RefreshTokens;
import dev.jwtauth.tokens.Revocations;
import dev.jwtauth.tokens.TokenVerifier;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.users.LoginFailures;
import dev.jwtauth.users.UserAdmin;
import dev.jwtauth.users.PasswordHasher;
import dev.jwtauth.users.UserRepository;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.JWTAuthHandler;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Map;

/**
 * The auth origin: login and issuance, refresh rotation, logout and revocation, the OAuth 2
 * endpoints, the JWKS and discovery documents, administration, and the event-bus token API.
 * Deployed with one instance per core; each instance owns its signer and verifier and its routes;
 * what the process has once (revocations, verified-token cache, hasher, limiter, audit store) comes
 * from {@link ProcessServices}. Also serves the OpenAPI document, the
 * browser demo ({@code /demo}) and the admin console ({@code /console}).
 */
public final class IssuerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(IssuerVerticle.class);
  static final String REALM = "jwt-auth-server";

  private final AppConfig config;
  private final String pgUri;
  private final Clock clock;
  private final ProcessServices shared;
  private AccessTokens accessTokens;
  private TokenVerifier verifier;
  private KeyPublication published;

  private Pool pool;
  private Router router;
  private io.vertx.core.http.HttpServer server;

  /**
   * @param shared what the process has once: revocations, verified-token cache, hasher, limiter
   */
  public IssuerVerticle(AppConfig config, String pgUri, Clock clock, ProcessServices shared) {
    this.config = config;
    this.pgUri = pgUri;
    this.clock = clock;
    this.shared = shared;
  }

  @Override
  public Future<?> start() {
    pool = Database.pool(vertx, pgUri, config);
    PasswordHasher hasher = shared.hasher();
    UserRepository users = new UserRepository(pool);
    LoginFailures loginFailures = new LoginFailures(pool, shared.guards().policy());
    ClientRepository clients = new ClientRepository(pool, shared.clientCache());
    Revocations revocations = new Revocations(vertx, pool, clock);
    RefreshTokens refreshTokens = new RefreshTokens(pool, config.refreshTokenTtl(), config.refreshGrace(), clock);
    accessTokens = new AccessTokens(config.issuer(), config.audience(), clock);
    published = new KeyPublication(config.issuer(), config.jwksMaxAge());
    verifier = shared.verifier(() -> KeysClient.jwks(vertx));
    TokenService tokens = new TokenService(vertx, accessTokens, refreshTokens, revocations, config.accessTokenTtl(),
        config.clockLeeway(), clock);
    TokenResponses responses = new TokenResponses(config.refreshCookie(), config.refreshTokenTtl().toSeconds());
    TokenEndpointProofs proofs = new TokenEndpointProofs(shared.dpopProofs(), config);
    SessionHandlers sessions = new SessionHandlers(tokens, responses, proofs);
    AuthorizationStore codeFlow = new AuthorizationStore(pool, clock);
    OAuth2Handlers oauth2 = new OAuth2Handlers(tokens, clients, refreshTokens, verifier, proofs, codeFlow);

    router = Router.router(vertx);
    Servers.front(router, config);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(config.maxBodyBytes());
    // bearer or DPoP-bound access tokens (a bound one only with its proof)
    AccessTokenAuth bearer = new AccessTokenAuth(JWTAuthHandler.create(verifier, REALM), verifier, shared.dpopProofs(),
        ctx -> DpopUrls.forAuth(ctx, config));
    TotpStore totpStore = new TotpStore(pool, clock);
    TotpEnrolment totp = new TotpEnrolment(totpStore, shared.totpKey(), config.issuer(), clock);
    SecondFactor secondFactor = new SecondFactor(vertx, totpStore, shared.totpKey(), users, loginFailures, shared.guards(),
        config.requireMfaRoles(), clock);
    PasswordCheck passwords = new PasswordCheck(loginFailures, users, hasher, shared.guards(), secondFactor);
    router.post("/auth/login").handler(body)
        .handler(new LoginHandler(passwords, tokens, responses, secondFactor, shared.guards(), proofs));
    router.post("/auth/refresh").handler(body).handler(sessions::refresh);
    bearer.protect(router.post("/auth/logout").handler(body)).handler(sessions::logout)
        .failureHandler(ctx -> BearerChallenge.handle(ctx, REALM));
    router.post("/oauth2/token").handler(body).handler(oauth2::token);
    router.post("/oauth2/revoke").handler(body).handler(oauth2::revoke);
    router.post("/oauth2/introspect").handler(body).handler(oauth2::introspect);
    AuthorizeHandler authorize = new AuthorizeHandler(clients, codeFlow, passwords, secondFactor,
        shared.guards().clientAddress(), config.issuer(), config.authCodeTtl(), config.signinSessionTtl(), clock);
    router.get("/oauth2/authorize").handler(authorize::handle);
    router.post("/oauth2/authorize").handler(body).handler(authorize::handle);
    OidcHandlers oidc = new OidcHandlers(users, clients, codeFlow, tokens);
    // bearer or DPoP (RFC 9449: a bound token only with a proof for this URL)
    bearer.protect(router.get("/oauth2/userinfo")).handler(oidc::userinfo)
        .failureHandler(ctx -> BearerChallenge.handle(ctx, REALM));
    bearer.protect(router.post("/oauth2/userinfo").handler(body)).handler(oidc::userinfo)
        .failureHandler(ctx -> BearerChallenge.handle(ctx, REALM));
    router.get("/oauth2/logout").handler(oidc::endSession);
    router.post("/oauth2/logout").handler(body).handler(oidc::endSession);
    UserAdmin userAdmin = new UserAdmin(users, hasher, tokens.userSessions(), event -> {
      Audit.record(vertx, event);
      return Future.succeededFuture();
    }, clock);
    new AdminRoutes(vertx, users, hasher, clients, pool, tokens, userAdmin).mount(router, body, bearer,
        RequireMfa.of(config.requireMfaRoles()));
    AccountRoutes account = new AccountRoutes(users, userAdmin, tokens, loginFailures, hasher, shared.guards(), totp);
    account.mount(router, body, bearer);
    MfaRoutes mfa = new MfaRoutes(totp, totpStore, secondFactor, users, userAdmin, tokens, shared.guards(), account);
    mfa.mountAccount(router, body);
    mfa.mountAdmin(router);
    router.get(RevocationFeed.PATH).handler(new RevocationFeedHandler(shared.revocationFeed(), clients, revocations));
    published.mount(router);
    router.get(OpenApi.PATH).handler(new OpenApi(config)::serve);
    DemoPage.mount(router, config);
    ConsolePage.mount(router);
    Servers.back(router, vertx, Map.of(
        "database", () -> pool.query("SELECT 1").execute(),
        "keys", () -> accessTokens.kid() != null && verifier.ready()
            ? Future.succeededFuture() : Future.failedFuture("no signing key")), !config.managementServer());

    var bus = vertx.eventBus();
    var keysChanged = bus.<JsonObject>consumer(Addresses.JWKS_CHANGED, msg -> {
      if (KeySetSeal.accepts(vertx, msg)) {
        useKeySet(msg.body());
      }
    });
    var signingChanged = bus.<JsonObject>localConsumer(Addresses.SIGNING_KEY_CHANGED,
        msg -> useSigningKey(KeysClient.signingKey(msg.body())));
    return Future.all(keysChanged.completion(), signingChanged.completion())
        .compose(v -> new TokenBusApi(tokens, verifier, revocations, clients, shared.dpopProofs()).register(bus))
        .compose(v -> loadKeys())
        .compose(v -> Servers.listen(vertx, config, router, config.authHttpPort(), "AUTH_HTTP_PORT"))
        .onSuccess(s -> server = s)
        .mapEmpty();
  }

  /** Fetches the signing key and the public key set from the KeyManagerVerticle (at start and on change). */
  private Future<Void> loadKeys() {
    return Future.all(KeysClient.signingKey(vertx), KeysClient.jwks(vertx)).<Void>map(all -> {
      useSigningKey(all.resultAt(0));
      useKeySet(all.resultAt(1));
      return null;
    }).onFailure(err -> log.error("could not load keys from the key manager: {}", err.getMessage()));
  }

  private void useSigningKey(KeysClient.SigningKey key) {
    if (key.kid().equals(accessTokens.kid())) {
      return;
    }
    try {
      accessTokens.useKey(key.kid(), key.alg(), key.key());
      log.debug("issuer signs with kid={}", key.kid());
    } catch (java.security.GeneralSecurityException e) {
      log.error("cannot sign with kid={}: {}", key.kid(), e.getMessage());
    }
  }

  /** The public key set: what the verifier trusts, the JWKS served and the algorithms advertised. */
  private void useKeySet(JsonObject set) {
    verifier.update(set);
    published.update(set);
  }

  /**
   * Stops accepting connections and lets requests in flight finish for at most {@code grace}
   * (Vert.x 5 {@code HttpServer.shutdown}: idle connections close at once, busy ones after their response).
   */
  public Future<Void> shutdown(java.time.Duration grace) {
    return server == null ? Future.succeededFuture() : server.shutdown(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** The routes this instance serves, once started (the OpenAPI document is checked against them). */
  public Router router() {
    return router;
  }

}
