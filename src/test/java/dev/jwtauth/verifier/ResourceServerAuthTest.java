package dev.jwtauth.verifier;

import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.testsupport.Jwts;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The library's {@link ResourceServerAuth} in a Vert.x service (real HTTP on loopback) against an
 * issuer played by a small HTTP server whose discovery document, JWKS (ETag, Cache-Control) and
 * revocation feed the test controls and counts. Tokens are signed with real keys.
 */
@DisplayName("ResourceServerAuth: discovery, JWKS, at+jwt, fail-closed, role and scope checks, live revocation")
class ResourceServerAuthTest {
  private final Vertx vertx = Vertx.vertx();
  private final WebClient web = WebClient.create(vertx);
  private final AtomicReference<String> advertisedIssuer = new AtomicReference<>();
  private final AtomicReference<JsonArray> published = new AtomicReference<>(new JsonArray());
  private final AtomicInteger discoveryRequests = new AtomicInteger();
  private final AtomicInteger jwksRequests = new AtomicInteger();
  private final List<String> lastEventIds = new CopyOnWriteArrayList<>();
  private final List<HttpServerResponse> streams = new CopyOnWriteArrayList<>();
  private final AtomicInteger eventId = new AtomicInteger();
  private HttpServer issuerServer;
  private String issuer;
  private ResourceServerAuth auth;
  private HttpServer service;
  private KeyPair key;
  private String kid;

  @BeforeEach
  void start() throws Exception {
    key = SigningAlgorithm.ES256.generate();
    kid = "k1";
    published.set(new JsonArray().add(SigningAlgorithm.ES256.publicJwk(kid, key.getPublic())));
    issuerServer = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/.well-known/openid-configuration" -> {
          discoveryRequests.incrementAndGet();
          req.response().putHeader("Content-Type", "application/json").end(new JsonObject()
              .put("issuer", advertisedIssuer.get()).put("jwks_uri", issuer + "/jwks").encode());
        }
        case "/jwks" -> {
          jwksRequests.incrementAndGet();
          if (published.get() == null) {
            req.response().setStatusCode(503).end();
            return;
          }
          JsonObject set = new JsonObject().put("keys", published.get());
          String etag = "\"" + Integer.toHexString(set.encode().hashCode()) + "\"";
          req.response().putHeader("ETag", etag).putHeader("Cache-Control", "public, max-age=300");
          if (etag.equals(req.getHeader("If-None-Match"))) {
            req.response().setStatusCode(304).end();
          } else {
            req.response().putHeader("Content-Type", "application/json").end(set.encode());
          }
        }
        case "/oauth2/revocations" -> {
          if (!"Basic ZmVlZDpzM2NyZXQ=".equals(req.getHeader("Authorization"))) { // feed:s3cret
            req.response().setStatusCode(401).end();
            return;
          }
          lastEventIds.add(String.valueOf(req.getHeader("Last-Event-ID")));
          HttpServerResponse res = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
          res.write("retry: 1000\n\n");
          streams.add(res);
          res.closeHandler(v -> streams.remove(res));
        }
        default -> req.response().setStatusCode(404).end();
      }
    });
    issuerServer.listen(0, "127.0.0.1").await();
    issuer = "http://127.0.0.1:" + issuerServer.actualPort();
    advertisedIssuer.set(issuer);
  }

  @AfterEach
  void stop() {
    if (auth != null) {
      auth.close().await();
    }
    vertx.close().await();
  }

  /** Starts the library and a service protecting /api/* with it; answers the service's port. */
  private int serve(ResourceServerOptions options) {
    auth = ResourceServerAuth.create(vertx, options.setIssuer(issuer)).await();
    Router router = Router.router(vertx);
    auth.protect(router, "/api/*");
    router.get("/api/me").handler(ctx -> ctx.json(ResourceServerAuth.claims(ctx.user())));
    router.get("/api/admin").handler(auth.requireRole("admin")).handler(ctx -> ctx.json(new JsonObject().put("ok", true)));
    router.get("/api/reports").handler(auth.requireScope("reports:read")).handler(ctx -> ctx.json(new JsonObject().put("ok", true)));
    service = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    return service.actualPort();
  }

  private HttpResponse<Buffer> get(int port, String path, String token) {
    var req = web.get(port, "127.0.0.1", path);
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    return req.send().await();
  }

  private JsonObject claims() {
    long now = System.currentTimeMillis() / 1000;
    return new JsonObject().put("iss", issuer).put("sub", UUID.randomUUID().toString()).put("aud", "api")
        .put("iat", now).put("exp", now + 600).put("jti", UUID.randomUUID().toString())
        .put("sid", UUID.randomUUID().toString()).put("roles", new JsonArray().add("user"));
  }

  private String token(JsonObject claims) {
    return token(claims, h -> { });
  }

  private String token(JsonObject claims, Consumer<JsonObject> header) {
    JsonObject h = new JsonObject().put("alg", "ES256").put("kid", kid).put("typ", "at+jwt");
    header.accept(h);
    return Jwts.sign(h, claims, SigningAlgorithm.ES256, key.getPrivate());
  }

  private static void awaitStatus(java.util.function.IntSupplier status, int expected, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (status.getAsInt() != expected) {
      assertThat(System.nanoTime()).as(what + " within 10 s").isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  @Test
  @DisplayName("A discovery document naming another issuer makes create() fail (RFC 8414 §3.3); bad options fail too")
  void issuerMismatch() {
    advertisedIssuer.set("https://someone-else.example");
    assertThatThrownBy(() -> ResourceServerAuth.create(vertx, new ResourceServerOptions().setIssuer(issuer)).await())
        .hasMessageContaining("names the issuer https://someone-else.example");
    assertThatThrownBy(() -> ResourceServerAuth.create(vertx, new ResourceServerOptions().setIssuer("not a url")).await())
        .hasMessageContaining("issuer must be an absolute http(s) URL");
    assertThatThrownBy(() -> ResourceServerAuth.create(vertx, new ResourceServerOptions().setIssuer(issuer)
        .setFeedClient("feed", null)).await()).hasMessageContaining("id and secret must be set together");
  }

  @Test
  @DisplayName("Accepts an at+jwt signed by a published key; rejects typ JWT, alg none, another aud or iss, expiry beyond leeway, a forged signature (401 + Bearer challenge)")
  void verifies() throws Exception {
    int port = serve(new ResourceServerOptions());
    JsonObject good = claims();
    var ok = get(port, "/api/me", token(good));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.bodyAsJsonObject().getString("sub")).isEqualTo(good.getString("sub"));

    var missing = get(port, "/api/me", null);
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.getHeader("WWW-Authenticate")).isEqualTo("Bearer realm=\"api\"");
    assertThat(missing.bodyAsJsonObject().getString("error")).isEqualTo("invalid_token");

    long now = System.currentTimeMillis() / 1000;
    KeyPair other = SigningAlgorithm.ES256.generate();
    List<String> bad = List.of(
        token(claims(), h -> h.put("typ", "JWT")),
        token(claims(), h -> h.remove("typ")),
        Jwts.b64(new JsonObject().put("alg", "none").put("kid", kid).put("typ", "at+jwt").encode()) + "."
            + Jwts.b64(claims().encode()) + ".",
        token(claims().put("aud", "another-api")),
        token(claims().put("iss", "https://evil.example")),
        token(claims().put("iat", now - 700).put("exp", now - 31)),
        Jwts.sign(new JsonObject().put("alg", "ES256").put("kid", kid).put("typ", "at+jwt"), claims(),
            SigningAlgorithm.ES256, other.getPrivate()),
        "not-a-jwt");
    for (String t : bad) {
      var res = get(port, "/api/me", t);
      assertThat(res.statusCode()).as(t).isEqualTo(401);
      assertThat(res.getHeader("WWW-Authenticate")).contains("error=\"invalid_token\"");
    }
    // within the 30 s leeway an expired token still passes
    assertThat(get(port, "/api/me", token(claims().put("iat", now - 700).put("exp", now - 5))).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("requireRole and requireScope answer 403 insufficient_scope with an RFC 6750 challenge, and let the holder through")
  void roleAndScope() {
    int port = serve(new ResourceServerOptions());
    String user = token(claims());
    var noRole = get(port, "/api/admin", user);
    assertThat(noRole.statusCode()).isEqualTo(403);
    assertThat(noRole.bodyAsJsonObject().getString("error")).isEqualTo("insufficient_scope");
    assertThat(noRole.getHeader("WWW-Authenticate")).contains("error=\"insufficient_scope\"");
    assertThat(get(port, "/api/admin", token(claims().put("roles", new JsonArray().add("admin")))).statusCode()).isEqualTo(200);
    var noScope = get(port, "/api/reports", user);
    assertThat(noScope.statusCode()).isEqualTo(403);
    assertThat(noScope.getHeader("WWW-Authenticate")).contains("scope=\"reports:read\"");
    assertThat(get(port, "/api/reports", token(claims().put("scope", "profile reports:read"))).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("A token naming an unknown kid makes it re-read the JWKS once (a rotation), at most once per 5 s; verified tokens cost no request")
  void unknownKidRefetchIsRateLimited() throws Exception {
    int port = serve(new ResourceServerOptions());
    String first = token(claims());
    assertThat(get(port, "/api/me", first).statusCode()).isEqualTo(200);
    int before = jwksRequests.get();
    for (int i = 0; i < 20; i++) {
      assertThat(get(port, "/api/me", first).statusCode()).isEqualTo(200);
    }
    assertThat(jwksRequests.get()).as("no request to the issuer per verified request").isEqualTo(before);

    // the issuer rotates: a new key appears in its JWKS
    KeyPair rotated = SigningAlgorithm.ES256.generate();
    published.set(published.get().copy().add(SigningAlgorithm.ES256.publicJwk("k2", rotated.getPublic())));
    String signedByNew = Jwts.sign(new JsonObject().put("alg", "ES256").put("kid", "k2").put("typ", "at+jwt"), claims(),
        SigningAlgorithm.ES256, rotated.getPrivate());
    assertThat(get(port, "/api/me", signedByNew).statusCode()).isEqualTo(200);
    int afterRotation = jwksRequests.get();
    assertThat(afterRotation).isEqualTo(before + 1);

    // unknown kids in a burst: no more than the one request already made in this window
    for (int i = 0; i < 10; i++) {
      String unknown = Jwts.sign(new JsonObject().put("alg", "ES256").put("kid", "nope-" + i).put("typ", "at+jwt"), claims(),
          SigningAlgorithm.ES256, rotated.getPrivate());
      assertThat(get(port, "/api/me", unknown).statusCode()).isEqualTo(401);
    }
    assertThat(jwksRequests.get()).as("refetches on unknown kids are rate-limited").isEqualTo(afterRotation);
    assertThat(discoveryRequests.get()).isEqualTo(1);
  }

  @Test
  @DisplayName("Fail closed: while the issuer's JWKS cannot be read every request is a 503 with Retry-After; once it answers, tokens are verified")
  void failsClosedUntilKeys() {
    // a JWKS that cannot be read yet (503): the library must not verify anything
    JsonArray keys = published.getAndSet(null);
    int port = serve(new ResourceServerOptions().setRetryInterval(Duration.ofMillis(200)));
    assertThat(auth.ready()).isFalse();
    var res = get(port, "/api/me", token(claims()));
    assertThat(res.statusCode()).isEqualTo(503);
    assertThat(res.getHeader("Retry-After")).isEqualTo("1");
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("temporarily_unavailable");

    published.set(keys);
    String token = token(claims());
    awaitStatus(() -> get(port, "/api/me", token).statusCode(), 200, "verified once the issuer answers");
    assertThat(auth.ready()).isTrue();
  }

  private void event(String type, JsonObject data) {
    String text = "id: " + eventId.incrementAndGet() + "\nevent: " + type + "\ndata: " + data.encode() + "\n\n";
    vertx.runOnContext(v -> streams.forEach(s -> s.write(text)));
  }

  @Test
  @DisplayName("With a feed client: 503 until the first snapshot, a revocation event rejects at once, and a reconnection sends Last-Event-ID and gets a snapshot")
  void liveRevocation() {
    int port = serve(new ResourceServerOptions().setFeedClient("feed", "s3cret"));
    JsonObject revokedLater = claims();
    JsonObject revokedInSnapshot = claims();
    JsonObject revokedWhileDown = claims();
    String kept = token(claims());
    assertThat(get(port, "/api/me", kept).statusCode()).as("no snapshot yet").isEqualTo(503);

    awaitStatus(() -> streams.size(), 1, "the feed connected");
    event("snapshot", new JsonObject().put("revoked", new JsonArray().add(new JsonObject()
        .put("kind", "jti").put("value", revokedInSnapshot.getString("jti")).put("exp", revokedInSnapshot.getLong("exp")))));
    awaitStatus(() -> get(port, "/api/me", kept).statusCode(), 200, "ready after the snapshot");
    assertThat(get(port, "/api/me", token(revokedInSnapshot)).statusCode()).isEqualTo(401);

    String later = token(revokedLater);
    assertThat(get(port, "/api/me", later).statusCode()).isEqualTo(200);
    long t0 = System.nanoTime();
    event("revoked", new JsonObject().put("kind", "sid").put("value", revokedLater.getString("sid")).put("exp", revokedLater.getLong("exp")));
    awaitStatus(() -> get(port, "/api/me", later).statusCode(), 401, "revoked by the live event");
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(1));

    // the stream breaks; the client reconnects, naming the last event it got
    String lastId = String.valueOf(eventId.get());
    vertx.runOnContext(v -> streams.forEach(HttpServerResponse::reset));
    awaitStatus(() -> lastEventIds.size(), 2, "a reconnection");
    assertThat(lastEventIds).containsExactly("null", lastId);
    awaitStatus(() -> streams.size(), 1, "the new stream");
    event("snapshot", new JsonObject().put("revoked", new JsonArray().add(new JsonObject()
        .put("kind", "jti").put("value", revokedWhileDown.getString("jti")).put("exp", revokedWhileDown.getLong("exp")))));
    String down = token(revokedWhileDown);
    awaitStatus(() -> get(port, "/api/me", down).statusCode(), 401, "revoked by the reconnection's snapshot");
    assertThat(get(port, "/api/me", later).statusCode()).as("what it knew stays revoked").isEqualTo(401);
    assertThat(get(port, "/api/me", kept).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("The library accepts exactly the algorithms the server can sign with (the server's one list)")
  void sameAlgorithms() {
    assertThat(TokenVerifier.ALGORITHMS).isEqualTo(SigningAlgorithm.NAMES);
  }

  @Test
  @DisplayName("Cache-Control max-age is read from the JWKS answer (no-store and no-cache mean 0)")
  void maxAge() {
    assertThat(RemoteJwks.maxAge("public, max-age=300")).isEqualTo(Duration.ofSeconds(300));
    assertThat(RemoteJwks.maxAge("max-age=\"60\", must-revalidate")).isEqualTo(Duration.ofSeconds(60));
    assertThat(RemoteJwks.maxAge("s-maxage=10")).isNull();
    assertThat(RemoteJwks.maxAge("no-store")).isEqualTo(Duration.ZERO);
    assertThat(RemoteJwks.maxAge(null)).isNull();
  }
}
