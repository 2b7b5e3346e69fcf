package dev.jwtauth.feed;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.launcher.App;
import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.CuttableProxy;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The revocation feed: a verifier outside the cluster hears of every revocation over HTTP")
class RevocationFeedTest {
  private static final int MAX_STREAMS = 3;
  private static TestServer auth;
  private static String readerSecret;
  private static final Vertx vertx = Vertx.vertx();
  private static final WebClient web = WebClient.create(vertx);

  @BeforeAll
  static void start() {
    auth = TestServer.start(Map.of("REVOCATION_FEED_MAX_STREAMS", MAX_STREAMS));
    readerSecret = auth.createClient("feed-reader", List.of(), List.of(RevocationFeed.SCOPE));
  }

  @AfterAll
  static void stop() {
    auth.close();
    vertx.close().await();
  }

  /** A resource-only process outside the cluster: keys from jwks_uri, revocations from the feed. */
  private static App remote(int authPort, String clientId, String secret) {
    JsonObject settings = TestServer.baseSettings().put("ROLES", "resource").put("PG_URI", "")
        .put("JWKS_URI", "http://127.0.0.1:" + authPort + "/.well-known/jwks.json")
        .put("REVOCATION_FEED_CLIENT_ID", clientId).put("REVOCATION_FEED_CLIENT_SECRET", secret)
        .put("AUTH_HTTP_PORT", TestServer.freePort()).put("RESOURCE_HTTP_PORT", TestServer.freePort());
    return App.start(AppConfig.from(settings), Clock.systemUTC(), false);
  }

  private static int me(App remote, String token) {
    return web.get(remote.config().resourceHttpPort(), "127.0.0.1", "/api/me")
        .putHeader("Authorization", "Bearer " + token).send().await().statusCode();
  }

  private static int ready(App remote) {
    return web.get(remote.config().resourceHttpPort(), "127.0.0.1", "/ready").send().await().statusCode();
  }

  /** Polls until /ready is 200 (the first snapshot is in), at most 10 s. */
  private static void awaitReady(App remote) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (ready(remote) != 200) {
      assertThat(System.nanoTime()).as("remote resource ready within 10 s").isLessThan(deadline);
    }
  }

  /** Polls /api/me until 401; answers the time from {@code t0} in ms, failing after 5 s. */
  private static double untilRejected(App remote, String token, long t0) {
    while (true) {
      int status = me(remote, token);
      long elapsed = System.nanoTime() - t0;
      if (status == 401) {
        return elapsed / 1e6;
      }
      assertThat(status).as("before the revocation arrives the token is accepted").isEqualTo(200);
      assertThat(elapsed).as("rejected within 5 s").isLessThan(TimeUnit.SECONDS.toNanos(5));
    }
  }

  private static String basic(String id, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<Buffer> feedStatus(String authorization) {
    var req = web.get(auth.authPort(), "127.0.0.1", RevocationFeed.PATH);
    if (authorization != null) {
      req.putHeader("Authorization", authorization);
    }
    return req.send().await();
  }

  @Test
  @DisplayName("Only a client with the scope revocations:read by HTTP Basic reads the feed: 401 without, 403 without the scope")
  void refusals() {
    var none = feedStatus(null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.bodyAsJsonObject().getString("error")).isEqualTo("invalid_client");
    assertThat(none.getHeader("WWW-Authenticate")).startsWith("Basic");
    assertThat(feedStatus(basic("feed-reader", "wrong-secret")).statusCode()).isEqualTo(401);
    assertThat(feedStatus("Bearer " + auth.adminToken()).statusCode()).isEqualTo(401);
    String other = auth.createClient("no-feed", List.of(), List.of("reports:read"));
    var forbidden = feedStatus(basic("no-feed", other));
    assertThat(forbidden.statusCode()).isEqualTo(403);
    assertThat(forbidden.bodyAsJsonObject().getString("error")).isEqualTo("insufficient_scope");
  }

  @Test
  @DisplayName("A stream starts with the snapshot of every revocation in force, then one event per revocation, with increasing ids")
  void streamFormat() throws Exception {
    var before = auth.http().tokens("admin", TestServer.ADMIN_PASSWORD);
    assertThat(auth.http().logout(before.getString("access_token"), null).statusCode()).isEqualTo(204);
    String sidBefore = sid(before.getString("access_token"));

    HttpClient http = vertx.createHttpClient();
    StringBuilder received = new StringBuilder();
    CompletableFuture<HttpClientResponse> headers = new CompletableFuture<>();
    http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(auth.authPort())
            .setURI(RevocationFeed.PATH).putHeader("Authorization", basic("feed-reader", readerSecret)))
        .compose(req -> req.send())
        .onSuccess(res -> {
          res.exceptionHandler(err -> { }); // the test closes the stream
          res.handler(buf -> {
            synchronized (received) {
              received.append(buf.toString(StandardCharsets.UTF_8));
            }
          });
          headers.complete(res);
        }).onFailure(headers::completeExceptionally);
    HttpClientResponse res = headers.get(10, TimeUnit.SECONDS);
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Content-Type")).startsWith("text/event-stream");
    awaitText(received, "event: snapshot");
    awaitText(received, sidBefore);

    var after = auth.http().tokens("admin", TestServer.ADMIN_PASSWORD);
    assertThat(auth.http().logout(after.getString("access_token"), null).statusCode()).isEqualTo(204);
    String sidAfter = sid(after.getString("access_token"));
    awaitText(received, sidAfter);
    http.close().await();

    List<JsonObject> events = new ArrayList<>();
    List<Long> ids = new ArrayList<>();
    String text;
    synchronized (received) {
      text = received.toString();
    }
    assertThat(text).startsWith("retry: ");
    for (String block : text.split("\n\n")) {
      String type = null;
      for (String line : block.split("\n")) {
        if (line.startsWith("id: ")) {
          ids.add(Long.parseLong(line.substring(4)));
        } else if (line.startsWith("event: ")) {
          type = line.substring(7);
        } else if (line.startsWith("data: ")) {
          events.add(new JsonObject(line.substring(6)).put("_type", type));
        }
      }
    }
    assertThat(events.get(0).getString("_type")).isEqualTo("snapshot");
    assertThat(events.get(0).getJsonArray("revoked").stream().map(o -> ((JsonObject) o).getString("value")))
        .contains(sidBefore).doesNotContain(sidAfter);
    assertThat(events.stream().skip(1).filter(e -> "revoked".equals(e.getString("_type"))
        && "sid".equals(e.getString("kind")) && sidAfter.equals(e.getString("value")))).hasSize(1);
    assertThat(ids).isSorted().doesNotHaveDuplicates();
  }

  /** The status of one readiness check of the remote resource origin. */
  private static String check(App remote, String id) {
    JsonObject body = web.get(remote.config().resourceHttpPort(), "127.0.0.1", "/ready").send().await().bodyAsJsonObject();
    return body.getJsonArray("checks").stream().map(c -> (JsonObject) c).filter(c -> id.equals(c.getString("id")))
        .map(c -> c.getString("status")).findFirst().orElse(null);
  }

  private static void awaitText(StringBuilder received, String text) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      synchronized (received) {
        if (received.indexOf(text) >= 0) {
          return;
        }
      }
      assertThat(System.nanoTime()).as("'" + text + "' on the stream within 10 s").isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  private static String sid(String accessToken) {
    return dev.jwtauth.testsupport.Jwts.part(accessToken, 1).getString("sid");
  }

  @Test
  @DisplayName("Until its first snapshot a verifier following the feed is not ready and answers /api/* with 503 (fail closed)")
  void failClosedBeforeSnapshot() {
    String token = auth.adminToken();
    try (App remote = remote(auth.authPort(), "feed-reader", "not-the-secret")) {
      // wait until the keys are in, so that the 503 can only come from the missing snapshot
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!"UP".equals(check(remote, "keys"))) {
        assertThat(System.nanoTime()).as("keys within 10 s").isLessThan(deadline);
      }
      assertThat(check(remote, "revocations")).isEqualTo("DOWN");
      var ready = web.get(remote.config().resourceHttpPort(), "127.0.0.1", "/ready").send().await();
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.bodyAsString()).contains("revocations");
      var api = web.get(remote.config().resourceHttpPort(), "127.0.0.1", "/api/me")
          .putHeader("Authorization", "Bearer " + token).send().await();
      assertThat(api.statusCode()).isEqualTo(503);
      assertThat(api.bodyAsJsonObject().getString("error")).isEqualTo("temporarily_unavailable");
    }
  }

  @Test
  @Tag("slow")
  @DisplayName("Logout → rejection on a verifier outside the cluster: p99 over 100 logouts under 1 s")
  void logoutToRejection() {
    try (App remote = remote(auth.authPort(), "feed-reader", readerSecret)) {
      awaitReady(remote);
      AuthClient http = auth.http();
      var user = auth.newUser("feed");
      List<String> tokens = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        tokens.add(http.accessToken(user.name(), user.password()));
      }
      List<Double> millis = new ArrayList<>();
      for (String token : tokens) {
        assertThat(me(remote, token)).isEqualTo(200);
        long t0 = System.nanoTime();
        assertThat(http.logout(token, null).statusCode()).isEqualTo(204);
        millis.add(untilRejected(remote, token, t0));
      }
      millis.sort(Double::compare);
      double p50 = millis.get(49);
      double p99 = millis.get(98);
      org.slf4j.LoggerFactory.getLogger(RevocationFeedTest.class)
          .info("logout -> rejection on the remote verifier over 100 logouts: p50 {} ms, p99 {} ms, max {} ms",
              String.format("%.1f", p50), String.format("%.1f", p99), String.format("%.1f", millis.get(99)));
      assertThat(p99).isLessThan(1_000);
    }
  }

  @Test
  @DisplayName("After the feed's connection is cut and restored, tokens revoked meanwhile are refused and none revoked is accepted")
  void cutAndRestored() {
    try (CuttableProxy proxy = new CuttableProxy(auth.authPort());
         App remote = remote(proxy.port(), "feed-reader", readerSecret)) {
      awaitReady(remote);
      AuthClient http = auth.http();
      var user = auth.newUser("cut");
      String revokedBefore = http.accessToken(user.name(), user.password());
      assertThat(http.logout(revokedBefore, null).statusCode()).isEqualTo(204);
      untilRejected(remote, revokedBefore, System.nanoTime());
      List<String> duringCut = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        duringCut.add(http.accessToken(user.name(), user.password()));
      }
      String kept = http.accessToken(user.name(), user.password());
      duringCut.forEach(t -> assertThat(me(remote, t)).isEqualTo(200));

      proxy.cut();
      for (String t : duringCut) {
        assertThat(http.logout(t, null).statusCode()).isEqualTo(204);
      }
      proxy.restore();

      // the reconnection's snapshot carries what was revoked during the cut
      long t0 = System.nanoTime();
      for (String t : duringCut) {
        untilRejected(remote, t, t0);
      }
      assertThat(me(remote, revokedBefore)).isEqualTo(401);
      assertThat(me(remote, kept)).isEqualTo(200);
      assertThat(ready(remote)).isEqualTo(200);

      // and live events flow again on the new connection
      long t1 = System.nanoTime();
      assertThat(http.logout(kept, null).statusCode()).isEqualTo(204);
      assertThat(untilRejected(remote, kept, t1)).isLessThan(1_000);
      for (String t : duringCut) {
        assertThat(me(remote, t)).isEqualTo(401);
      }
    }
  }

  @Test
  @Tag("slow")
  @DisplayName("When the auth server restarts (graceful shutdown ends the stream), the verifier reconnects to the new process and keeps rejecting")
  void authRestart() {
    try (TestServer restarting = TestServer.start(Map.of(), TestServer.freePort(), TestServer.freePort())) {
      String secret = restarting.createClient("feed-reader", List.of(), List.of(RevocationFeed.SCOPE));
      try (App remote = remote(restarting.authPort(), "feed-reader", secret)) {
        awaitReady(remote);
        var user = restarting.newUser("restart");
        String before = restarting.accessToken(user.name(), user.password());
        String across = restarting.accessToken(user.name(), user.password());
        String after = restarting.accessToken(user.name(), user.password());
        assertThat(restarting.http().logout(before, null).statusCode()).isEqualTo(204);
        untilRejected(remote, before, System.nanoTime());

        restarting.restart();
        // revoked as soon as the new process is up: by the reconnection's snapshot or live
        assertThat(restarting.http().logout(across, null).statusCode()).isEqualTo(204);
        long t0 = System.nanoTime();
        while (me(remote, across) != 401) {
          assertThat(System.nanoTime() - t0).as("rejected within 10 s of the restart").isLessThan(TimeUnit.SECONDS.toNanos(10));
        }
        assertThat(me(remote, before)).isEqualTo(401);
        assertThat(me(remote, after)).isEqualTo(200);
        long t1 = System.nanoTime();
        assertThat(restarting.http().logout(after, null).statusCode()).isEqualTo(204);
        assertThat(untilRejected(remote, after, t1)).isLessThan(1_000);
      }
    }
  }

  @Test
  @DisplayName("A process serves at most REVOCATION_FEED_MAX_STREAMS streams; the next gets 503 with Retry-After")
  void boundedStreams() {
    HttpClient http = vertx.createHttpClient(new io.vertx.core.http.PoolOptions().setHttp1MaxSize(MAX_STREAMS + 2));
    try {
      List<JsonObject> answers = new ArrayList<>();
      for (int i = 0; i < MAX_STREAMS + 1; i++) {
        // handlers set on the event loop as the response arrives, before its body can be missed
        answers.add(http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
                .setPort(auth.authPort()).setURI(RevocationFeed.PATH)
                .putHeader("Authorization", basic("feed-reader", readerSecret)))
            .compose(req -> req.send())
            .compose(res -> {
              JsonObject answer = new JsonObject().put("status", res.statusCode()).put("retry", res.getHeader("Retry-After"));
              if (res.statusCode() == 200) {
                res.exceptionHandler(err -> { }); // the test closes the streams
                return io.vertx.core.Future.succeededFuture(answer);
              }
              return res.body().map(b -> answer.put("body", b.toJsonObject()));
            }).await());
      }
      // streams of other tests may still be closing: at least the last one is refused
      JsonObject last = answers.get(MAX_STREAMS);
      assertThat(last.getInteger("status")).isEqualTo(503);
      assertThat(last.getString("retry")).isEqualTo("5");
      assertThat(last.getJsonObject("body").getString("error")).isEqualTo("temporarily_unavailable");
    } finally {
      http.close().await();
    }
  }

  @Test
  @DisplayName("Feed settings: id and secret together, only beside JWKS_URI; the feed URL follows JWKS_URI's path prefix")
  void settings() {
    JsonObject remote = TestServer.baseSettings().put("ROLES", "resource").put("PG_URI", "")
        .put("JWKS_URI", "https://edge.example.com/auth/.well-known/jwks.json");
    assertThat(AppConfig.from(remote.copy()).revocationFeedUri()).isNull();
    AppConfig cfg = AppConfig.from(remote.copy().put("REVOCATION_FEED_CLIENT_ID", "edge").put("REVOCATION_FEED_CLIENT_SECRET", "s"));
    assertThat(cfg.revocationFeedUri()).isEqualTo("https://edge.example.com/auth/oauth2/revocations");
    assertThat(AppConfig.from(remote.copy().put("JWKS_URI", "https://10.0.0.5:8080/keys")
        .put("REVOCATION_FEED_CLIENT_ID", "edge").put("REVOCATION_FEED_CLIENT_SECRET", "s")).revocationFeedUri())
        .isEqualTo("https://10.0.0.5:8080/oauth2/revocations");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AppConfig.from(remote.copy().put("REVOCATION_FEED_CLIENT_ID", "edge")))
        .hasMessageStartingWith("REVOCATION_FEED_CLIENT_ID and REVOCATION_FEED_CLIENT_SECRET must be set together");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AppConfig.from(TestServer.baseSettings()
            .put("REVOCATION_FEED_CLIENT_ID", "edge").put("REVOCATION_FEED_CLIENT_SECRET", "s")))
        .hasMessageStartingWith("REVOCATION_FEED_CLIENT_ID is for ROLES=resource with JWKS_URI");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AppConfig.from(TestServer.baseSettings()
            .put("REVOCATION_FEED_MAX_STREAMS", 0)))
        .hasMessage("REVOCATION_FEED_MAX_STREAMS must be between 1 and 100000, not 0.");
  }
}
