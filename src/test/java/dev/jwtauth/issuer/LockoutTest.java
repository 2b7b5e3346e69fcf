package dev.jwtauth.issuer;

import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.jwtauth.issuer.BruteForceTest.assertTooMany;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10, the lockout rows of its table, each now failing for the attacker: the lockout tells
 * nothing about which names exist, an attacker at one address cannot lock the owner out at
 * another, right passwords in parallel never lock an account, {@code X-Forwarded-For} counts only
 * from {@code TRUSTED_PROXIES}, IPv6 counts by /64, failures over many addresses are slowed
 * account-wide, and a full hash queue answers 503 at once. The attacker is 127.0.0.1; the owner
 * connects from 127.0.0.2 (another loopback address) or, behind a trusted proxy, is named by it.
 */
@Tag("slow")
@ExtendWith(VertxExtension.class)
@DisplayName("Lockouts that reveal nothing and lock no owner out")
class LockoutTest {
  static final String WRONG = "not-the-password";

  /** What a client can observe of a login's answer. */
  record Answer(int status, String body, String retryAfter) {
    static Answer of(HttpResponse<Buffer> res) {
      return new Answer(res.statusCode(), res.bodyAsString(), res.getHeader("Retry-After"));
    }
  }

  static HttpResponse<Buffer> login(WebClient client, TestServer server, String user, String password, String forwardedFor) {
    var req = client.post(server.authPort(), "127.0.0.1", "/auth/login");
    if (forwardedFor != null) {
      req.putHeader("X-Forwarded-For", forwardedFor);
    }
    return req.sendJsonObject(new JsonObject().put("username", user).put("password", password)).await();
  }

  static HttpResponse<Buffer> via(TestServer server, String forwardedFor, String user, String password) {
    return login(server.client, server, user, password, forwardedFor);
  }

  @Test
  @DisplayName("13 wrong passwords for admin, then 13 for an unknown name: the same statuses, bodies and Retry-After")
  void knownAndUnknownNamesAnswerAlike() {
    try (TestServer server = TestServer.start(Map.of())) {
      List<Answer> admin = new ArrayList<>();
      List<Answer> unknown = new ArrayList<>();
      for (int i = 0; i < 13; i++) {
        admin.add(Answer.of(server.login("admin", WRONG)));
      }
      // then the right password (for admin) and any password (for the unknown name): still alike
      admin.add(Answer.of(server.login("admin", TestServer.ADMIN_PASSWORD)));
      for (int i = 0; i < 13; i++) {
        unknown.add(Answer.of(server.login("nobody-by-this-name", WRONG)));
      }
      unknown.add(Answer.of(server.login("nobody-by-this-name", TestServer.ADMIN_PASSWORD)));

      assertThat(admin.subList(0, 10)).extracting(Answer::status).containsOnly(401);
      assertThat(admin.subList(10, 14)).extracting(Answer::status).containsOnly(429);
      assertThat(admin.get(10).retryAfter()).isEqualTo("60");
      for (int i = 0; i < admin.size(); i++) {
        Answer a = admin.get(i);
        Answer u = unknown.get(i);
        assertThat(u.status()).as("status #%d", i + 1).isEqualTo(a.status());
        // the lock counts down in whole seconds from its start: the same, give or take the
        // second that a slow machine may put between the two series' requests
        if (a.retryAfter() == null) {
          assertThat(u.retryAfter()).as("Retry-After #%d", i + 1).isNull();
          assertThat(u.body()).as("body #%d", i + 1).isEqualTo(a.body());
        } else {
          assertThat(Long.parseLong(u.retryAfter())).as("Retry-After #%d", i + 1)
              .isBetween(Long.parseLong(a.retryAfter()) - 1, Long.parseLong(a.retryAfter()) + 1);
          assertThat(u.body().replaceAll("[0-9]+", "N")).as("body #%d", i + 1)
              .isEqualTo(a.body().replaceAll("[0-9]+", "N"));
        }
      }
    }
  }

  @Test
  @DisplayName("While the attacker's address is locked out of admin, the owner logs in from another address (200)")
  void ownerElsewhereIsNotLockedOut(Vertx vertx) {
    try (TestServer server = TestServer.start(Map.of())) {
      for (int i = 0; i < 13; i++) {
        server.login("admin", WRONG);
      }
      assertTooMany(server.login("admin", TestServer.ADMIN_PASSWORD));

      WebClient owner = WebClient.create(vertx, new WebClientOptions().setLocalAddress("127.0.0.2"));
      try {
        var res = login(owner, server, "admin", TestServer.ADMIN_PASSWORD, null);
        assertThat(res.statusCode()).as("body %s", res.bodyAsString()).isEqualTo(200);
        assertThat(server.getResource("/api/me", res.bodyAsJsonObject().getString("access_token")).statusCode())
            .isEqualTo(200);
        // the owner's success does not lift the attacker's lock
        assertTooMany(server.login("admin", TestServer.ADMIN_PASSWORD));
      } finally {
        owner.close();
      }
    }
  }

  @Test
  @DisplayName("16 parallel logins of one account with the right password for 3 s: every answer is 200")
  void parallelRightPasswordsNeverLock(Vertx vertx) {
    // a low threshold: were logins in flight counted as failures, 16 at once would lock at once
    try (TestServer server = TestServer.start(Map.of("LOCKOUT_THRESHOLD", 3, "LOCKOUT_SECONDS", 60))) {
      server.createUser("service", "service-password", "user");
      int workers = 16;
      WebClient parallel = WebClient.create(vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(workers));
      ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
      long deadline = System.currentTimeMillis() + 3_000;
      try {
        List<Future<Void>> loops = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
          loops.add(loginUntil(parallel, server, deadline, statuses));
        }
        Future.all(loops).await();
      } finally {
        parallel.close();
      }
      assertThat(statuses).as("statuses").hasSizeGreaterThanOrEqualTo(workers).containsOnly(200);
      // and nothing was left behind: one wrong password is 401, not 429
      assertThat(server.login("service", WRONG).statusCode()).isEqualTo(401);
    }
  }

  /** Logs in again and again with the right password until the deadline; collects the statuses. */
  static Future<Void> loginUntil(WebClient client, TestServer server, long deadline, ConcurrentLinkedQueue<Integer> statuses) {
    if (System.currentTimeMillis() >= deadline) {
      return Future.succeededFuture();
    }
    return client.post(server.authPort(), "127.0.0.1", "/auth/login")
        .sendJsonObject(new JsonObject().put("username", "service").put("password", "service-password"))
        .compose(res -> {
          statuses.add(res.statusCode());
          return loginUntil(client, server, deadline, statuses);
        });
  }

  @Test
  @DisplayName("Without TRUSTED_PROXIES, X-Forwarded-For is ignored: a new header value gets no new count")
  void forwardedForIgnoredByDefault() {
    try (TestServer server = TestServer.start(Map.of("LOCKOUT_THRESHOLD", 3, "LOCKOUT_SECONDS", 60))) {
      for (int i = 1; i <= 3; i++) {
        assertThat(via(server, "198.51.100." + i, "admin", WRONG).statusCode()).isEqualTo(401);
      }
      assertTooMany(via(server, "198.51.100.99", "admin", TestServer.ADMIN_PASSWORD));
      assertTooMany(via(server, null, "admin", TestServer.ADMIN_PASSWORD));
    }
  }

  @Test
  @DisplayName("From a trusted proxy, the right-most untrusted X-Forwarded-For address counts; prepending does not escape")
  void forwardedForFromTrustedProxy() {
    try (TestServer server = TestServer.start(Map.of("LOCKOUT_THRESHOLD", 3, "LOCKOUT_SECONDS", 60,
        "TRUSTED_PROXIES", "127.0.0.1"))) {
      for (int i = 0; i < 3; i++) {
        assertThat(via(server, "203.0.113.7", "admin", WRONG).statusCode()).isEqualTo(401);
      }
      assertTooMany(via(server, "203.0.113.7", "admin", TestServer.ADMIN_PASSWORD));
      // the attacker writes a first entry itself; the proxy appends the address it saw
      assertTooMany(via(server, "198.51.100.1, 203.0.113.7", "admin", TestServer.ADMIN_PASSWORD));
      // the owner, behind the same proxy at another address
      assertThat(via(server, "203.0.113.8", "admin", TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("IPv6 clients count by /64: another address in the attacker's /64 is locked too, another /64 is not")
  void ipv6ByPrefix() {
    try (TestServer server = TestServer.start(Map.of("LOCKOUT_THRESHOLD", 3, "LOCKOUT_SECONDS", 60,
        "TRUSTED_PROXIES", "127.0.0.1"))) {
      for (int i = 1; i <= 3; i++) {
        assertThat(via(server, "2001:db8:1:2::" + i, "admin", WRONG).statusCode()).isEqualTo(401);
      }
      assertTooMany(via(server, "2001:db8:1:2:ffff:ffff:ffff:ffff", "admin", TestServer.ADMIN_PASSWORD));
      assertThat(via(server, "2001:db8:1:3::1", "admin", TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("A real IPv6 peer (::1) is counted apart from 127.0.0.1")
  void realIpv6Peer(Vertx vertx) {
    Assumptions.assumeTrue(ipv6Loopback(), "no IPv6 loopback here; ClientAddressTest covers the grouping");
    try (TestServer server = TestServer.start(Map.of("LOCKOUT_THRESHOLD", 3, "LOCKOUT_SECONDS", 60,
        "HTTP_HOST", "::"))) {
      WebClient v6 = WebClient.create(vertx);
      try {
        for (int i = 0; i < 3; i++) {
          var res = v6.postAbs("http://[::1]:" + server.authPort() + "/auth/login")
              .sendJsonObject(new JsonObject().put("username", "admin").put("password", WRONG)).await();
          assertThat(res.statusCode()).isEqualTo(401);
        }
        assertTooMany(v6.postAbs("http://[::1]:" + server.authPort() + "/auth/login")
            .sendJsonObject(new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)).await());
        assertThat(server.login("admin", TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
      } finally {
        v6.close();
      }
    }
  }

  static boolean ipv6Loopback() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Test
  @DisplayName("Failures spread over many addresses spend the account budget: failing addresses wait, a fresh one does not")
  void accountWideBudget() {
    try (TestServer server = TestServer.start(Map.of("LOCKOUT_THRESHOLD", 100, "LOCKOUT_ACCOUNT_PER_HOUR", 3,
        "TRUSTED_PROXIES", "127.0.0.1"))) {
      for (int i = 1; i <= 3; i++) {
        assertThat(via(server, "198.51.100." + i, "admin", WRONG).statusCode()).isEqualTo(401);
      }
      // the budget (3 an hour) is spent: an address that has failed waits for the next token, ~20 min
      long wait = assertTooMany(via(server, "198.51.100.1", "admin", WRONG));
      assertThat(wait).isBetween(1_100L, 1_200L);
      assertTooMany(via(server, "198.51.100.2", "admin", TestServer.ADMIN_PASSWORD));
      // the owner, at an address with no recent failure, is not held back
      assertThat(via(server, "203.0.113.50", "admin", TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
      // a fresh address gets one guess, then waits like the others
      assertThat(via(server, "198.51.100.77", "admin", WRONG).statusCode()).isEqualTo(401);
      assertTooMany(via(server, "198.51.100.77", "admin", WRONG));
      // an unknown name is treated the same way
      for (int i = 1; i <= 3; i++) {
        assertThat(via(server, "198.51.100." + i, "nobody-by-this-name", WRONG).statusCode()).isEqualTo(401);
      }
      assertThat(assertTooMany(via(server, "198.51.100.1", "nobody-by-this-name", WRONG))).isBetween(1_100L, 1_200L);
    }
  }

  @Test
  @DisplayName("An admin unlock clears the name's counters at every address")
  void unlockClearsEveryAddress(Vertx vertx) {
    try (TestServer server = TestServer.start(Map.of("LOCKOUT_THRESHOLD", 3, "LOCKOUT_SECONDS", 300,
        "LOCKOUT_MAX_SECONDS", 600))) {
      server.createUser("victim", "victim-password", "user");
      String admin = server.accessToken("admin", TestServer.ADMIN_PASSWORD);
      WebClient other = WebClient.create(vertx, new WebClientOptions().setLocalAddress("127.0.0.2"));
      try {
        for (int i = 0; i < 3; i++) {
          server.login("victim", WRONG);
          login(other, server, "victim", WRONG, null);
        }
        assertTooMany(server.login("victim", "victim-password"));
        assertTooMany(login(other, server, "victim", "victim-password", null));

        var unlock = server.client.post(server.authPort(), "127.0.0.1", "/admin/users/victim/unlock")
            .putHeader("Authorization", "Bearer " + admin).send().await();
        assertThat(unlock.statusCode()).isEqualTo(204);

        assertThat(server.login("victim", "victim-password").statusCode()).isEqualTo(200);
        assertThat(login(other, server, "victim", "victim-password", null).statusCode()).isEqualTo(200);
      } finally {
        other.close();
      }
    }
  }

  @Test
  @DisplayName("With the hash queue full (HASH_QUEUE_MAX=1), a login answers 503 with Retry-After at once")
  void fullHashQueue(Vertx vertx) {
    try (TestServer server = TestServer.start(Map.of("HASH_QUEUE_MAX", 1, "HASH_WORKERS", 1))) {
      int count = 12;
      WebClient parallel = WebClient.create(vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(count));
      List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
      List<Long> took = new ArrayList<>();
      try {
        for (int i = 0; i < count; i++) {
          long t0 = System.nanoTime();
          int slot = i;
          took.add(0L);
          sent.add(parallel.post(server.authPort(), "127.0.0.1", "/auth/login")
              .sendJsonObject(new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD))
              .onSuccess(r -> took.set(slot, System.nanoTime() - t0)));
        }
        Future.join(sent).await();
      } finally {
        parallel.close();
      }
      List<HttpResponse<Buffer>> answers = sent.stream().map(Future::result).toList();
      assertThat(answers).extracting(HttpResponse::statusCode).containsOnly(200, 503).contains(200, 503);
      long slowest200 = 0;
      long slowest503 = 0;
      for (int i = 0; i < count; i++) {
        HttpResponse<Buffer> res = answers.get(i);
        if (res.statusCode() == 503) {
          assertThat(res.getHeader("Retry-After")).isEqualTo("1");
          assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("temporarily_unavailable");
          assertThat(res.bodyAsJsonObject().getString("error_description")).isNotBlank();
          slowest503 = Math.max(slowest503, took.get(i));
        } else {
          slowest200 = Math.max(slowest200, took.get(i));
        }
      }
      // refused at once: no 503 waited as long as the hashes that were queued
      assertThat(slowest503).isLessThan(slowest200);
      // and once the queue has room again, logins go through
      assertThat(server.login("admin", TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
    }
  }
}
