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
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DESIGN "Pinned details", lockout: failures of a (username, client address) pair lock that pair
 * for a doubling, capped time (429 with Retry-After, even for the right password), an admin lifts
 * a lock at once, and a client address that fails too often gets 429 too. All requests here come
 * from one address (127.0.0.1); {@link LockoutTest} covers other addresses, unknown names and
 * parallel right passwords. Every scenario runs its own server, so locks and per-address counts
 * never leak from one test into another.
 */
@Tag("slow")
@ExtendWith(VertxExtension.class)
@DisplayName("Brute force: account lockout with a doubling, capped wait, admin unlock, per-address limit")
class BruteForceTest {
  static final String USER = "victim";
  static final String PASSWORD = "victim-password";
  static final String WRONG = "not-the-password";

  /** Lock after 3 failures for 1 s, doubling to at most 2 s; the per-address limit kept out of the way. */
  static final Map<String, Object> SHORT_LOCKS = Map.of(
      "LOCKOUT_THRESHOLD", 3, "LOCKOUT_SECONDS", 1, "LOCKOUT_MAX_SECONDS", 2, "LOGIN_IP_LIMIT", 1_000);

  static TestServer serverWithVictim(Map<String, Object> settings) {
    TestServer server = TestServer.start(settings);
    server.createUser(USER, PASSWORD, "user");
    return server;
  }

  static void failTimes(TestServer server, int times) {
    for (int i = 1; i <= times; i++) {
      var res = server.login(USER, WRONG);
      assertThat(res.statusCode()).as("wrong password #%d, body %s", i, res.bodyAsString()).isEqualTo(401);
    }
  }

  /** 429 with an integer Retry-After of at least 1 s and a JSON error body; returns the Retry-After. */
  static long assertTooMany(HttpResponse<Buffer> res) {
    assertThat(res.statusCode()).as("status, body %s", res.bodyAsString()).isEqualTo(429);
    String retryAfter = res.getHeader("Retry-After");
    assertThat(retryAfter).as("Retry-After").isNotNull().matches("[0-9]+");
    long seconds = Long.parseLong(retryAfter);
    assertThat(seconds).isGreaterThanOrEqualTo(1);
    assertThat(res.getHeader("Content-Type")).startsWith("application/json");
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getString("error")).isEqualTo("too_many_attempts");
    assertThat(body.getString("error_description")).isNotBlank();
    assertThat(res.bodyAsString()).doesNotContain("Exception", "at dev.");
    return seconds;
  }

  static void pause(Vertx vertx, long millis) {
    Promise<Void> done = Promise.promise();
    vertx.setTimer(millis, t -> done.complete());
    done.future().await();
  }

  /**
   * Tries {@code password} every 100 ms while the account answers 429, for at most
   * {@code maxMillis}; returns the first other response.
   */
  static HttpResponse<Buffer> loginOnceUnlocked(Vertx vertx, TestServer server, String password, long maxMillis) {
    long deadline = System.currentTimeMillis() + maxMillis;
    while (true) {
      var res = server.login(USER, password);
      if (res.statusCode() != 429) {
        return res;
      }
      assertThat(System.currentTimeMillis())
          .as("the lock should have passed within %d ms", maxMillis).isLessThan(deadline);
      pause(vertx, 100);
    }
  }

  @Test
  @DisplayName("After 3 wrong passwords the 4th attempt, even with the right password, is 429 with Retry-After")
  void thirdFailureLocks() {
    try (TestServer server = serverWithVictim(SHORT_LOCKS)) {
      failTimes(server, 3);

      long wait = assertTooMany(server.login(USER, PASSWORD));
      assertThat(wait).isLessThanOrEqualTo(1);
      assertTooMany(server.login(USER, WRONG));
      // the lock follows the account, not the spelling of its name
      assertTooMany(server.login("VICTIM", PASSWORD));
      // other accounts are not affected
      assertThat(server.login("admin", TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("Two wrong passwords do not lock (the threshold is 3)")
  void belowThresholdDoesNotLock() {
    try (TestServer server = serverWithVictim(SHORT_LOCKS)) {
      failTimes(server, 2);

      assertThat(server.login(USER, PASSWORD).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("Once the lock has passed the right password logs in (200) and the failure count starts over")
  void lockPassesAndCountResets(Vertx vertx) {
    try (TestServer server = serverWithVictim(SHORT_LOCKS)) {
      failTimes(server, 3);
      assertTooMany(server.login(USER, PASSWORD));

      var res = loginOnceUnlocked(vertx, server, PASSWORD, 3_000);
      assertThat(res.statusCode()).as("body %s", res.bodyAsString()).isEqualTo(200);
      assertThat(server.getResource("/api/me", res.bodyAsJsonObject().getString("access_token")).statusCode())
          .isEqualTo(200);

      // counted from zero again: two failures do not lock (they would if the old 3 still counted)
      failTimes(server, 2);
      assertThat(server.login(USER, PASSWORD).statusCode()).isEqualTo(200);
      // and a new lock starts at LOCKOUT_SECONDS again, not at a doubled wait
      failTimes(server, 3);
      assertThat(assertTooMany(server.login(USER, PASSWORD))).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("Each failure after a lock doubles the wait (1 s, 2 s) but never beyond LOCKOUT_MAX_SECONDS (2 s)")
  void lockDoublesUpToTheCap(Vertx vertx) {
    try (TestServer server = serverWithVictim(SHORT_LOCKS)) {
      failTimes(server, 3);
      assertThat(assertTooMany(server.login(USER, PASSWORD))).as("first lock").isEqualTo(1);

      // wait out the lock with WRONG passwords: the first one checked is failure #4
      assertThat(loginOnceUnlocked(vertx, server, WRONG, 3_000).statusCode()).isEqualTo(401);
      assertThat(assertTooMany(server.login(USER, PASSWORD))).as("lock after failure #4, doubled").isEqualTo(2);

      // failure #5 would double to 4 s; the cap keeps it at 2 s
      assertThat(loginOnceUnlocked(vertx, server, WRONG, 3_000).statusCode()).isEqualTo(401);
      assertThat(assertTooMany(server.login(USER, PASSWORD))).as("lock after failure #5, capped")
          .isLessThanOrEqualTo(2);

      // and it really ends by then
      var res = loginOnceUnlocked(vertx, server, PASSWORD, 3_000);
      assertThat(res.statusCode()).as("body %s", res.bodyAsString()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("An admin lifts a lock at once: POST /admin/users/{username}/unlock is 204, then the right password works")
  void adminUnlocks() {
    // a long lock, so only the unlock (not time) can let the user in during the test
    try (TestServer server = serverWithVictim(Map.of(
        "LOCKOUT_THRESHOLD", 3, "LOCKOUT_SECONDS", 300, "LOCKOUT_MAX_SECONDS", 600, "LOGIN_IP_LIMIT", 1_000))) {
      String admin = server.accessToken("admin", TestServer.ADMIN_PASSWORD);
      failTimes(server, 3);
      assertThat(assertTooMany(server.login(USER, PASSWORD))).isGreaterThan(200);

      var unlock = server.client.post(server.authPort(), "127.0.0.1", "/admin/users/" + USER + "/unlock")
          .putHeader("Authorization", "Bearer " + admin).send().await();
      assertThat(unlock.statusCode()).as("body %s", unlock.bodyAsString()).isEqualTo(204);

      assertThat(server.login(USER, PASSWORD).statusCode()).isEqualTo(200);
      // the unlock also cleared the count: one more failure does not lock again
      failTimes(server, 1);
      assertThat(server.login(USER, PASSWORD).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("Unlock answers 404 for an unknown user, 401 without a token and 403 for a non-admin")
  void unlockIsAdminOnly() {
    try (TestServer server = serverWithVictim(SHORT_LOCKS)) {
      String admin = server.accessToken("admin", TestServer.ADMIN_PASSWORD);
      String user = server.accessToken(USER, PASSWORD);

      var unknown = server.client.post(server.authPort(), "127.0.0.1", "/admin/users/nobody-here/unlock")
          .putHeader("Authorization", "Bearer " + admin).send().await();
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(unknown.bodyAsJsonObject().getString("error")).isEqualTo("not_found");

      var anonymous = server.client.post(server.authPort(), "127.0.0.1", "/admin/users/" + USER + "/unlock")
          .send().await();
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.getHeader("WWW-Authenticate")).startsWith("Bearer");

      var nonAdmin = server.client.post(server.authPort(), "127.0.0.1", "/admin/users/" + USER + "/unlock")
          .putHeader("Authorization", "Bearer " + user).send().await();
      assertThat(nonAdmin.statusCode()).isEqualTo(403);
      assertThat(nonAdmin.bodyAsJsonObject().getString("error")).isEqualTo("insufficient_scope");
    }
  }

  @Test
  @DisplayName("After LOGIN_IP_LIMIT (3) failed logins from one address, even a valid user's login is 429")
  void perAddressLimit() {
    try (TestServer server = TestServer.start(Map.of("LOGIN_IP_LIMIT", 3))) {
      // successes do not count
      assertThat(server.login("admin", TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
      assertThat(server.login("admin", TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
      assertThat(server.login("admin", TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);

      // three failures, each for another (unknown) username: no account lock is involved
      for (String name : new String[] {"ghost-1", "ghost-2", "ghost-3"}) {
        assertThat(server.login(name, WRONG).statusCode()).isEqualTo(401);
      }

      long wait = assertTooMany(server.login("admin", TestServer.ADMIN_PASSWORD));
      assertThat(wait).isLessThanOrEqualTo(60);
      assertTooMany(server.login("ghost-4", WRONG));
    }
  }

  /** Sends {@code count} logins at once, each on its own connection; answers their statuses. */
  static List<Integer> loginInParallel(Vertx vertx, TestServer server, int count, String username, String password) {
    WebClient parallel = WebClient.create(vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(count));
    try {
      List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String name = username.endsWith("-") ? username + i : username;
        sent.add(parallel.post(server.authPort(), "127.0.0.1", "/auth/login")
            .sendJsonObject(new JsonObject().put("username", name).put("password", password)));
      }
      Future.join(sent).await();
      return sent.stream().map(f -> f.result().statusCode()).toList();
    } finally {
      parallel.close();
    }
  }

  @Test
  @DisplayName("Wrong passwords sent in parallel get no more guesses checked than the threshold (3)")
  void parallelGuessesStopAtTheThreshold(Vertx vertx) {
    try (TestServer server = serverWithVictim(Map.of(
        "LOCKOUT_THRESHOLD", 3, "LOCKOUT_SECONDS", 300, "LOCKOUT_MAX_SECONDS", 600, "LOGIN_IP_LIMIT", 1_000))) {
      List<Integer> statuses = loginInParallel(vertx, server, 12, USER, WRONG);

      assertThat(statuses).as("statuses %s", statuses).containsOnly(401, 429);
      assertThat(statuses.stream().filter(s -> s == 401).count()).as("guesses checked, statuses %s", statuses)
          .isLessThanOrEqualTo(3);
      assertTooMany(server.login(USER, PASSWORD));
    }
  }

  @Test
  @DisplayName("Failed logins sent in parallel from one address stop at LOGIN_IP_LIMIT (3)")
  void parallelFailuresStopAtTheAddressLimit(Vertx vertx) {
    try (TestServer server = TestServer.start(Map.of("LOGIN_IP_LIMIT", 3))) {
      List<Integer> statuses = loginInParallel(vertx, server, 12, "ghost-", WRONG);

      assertThat(statuses).as("statuses %s", statuses).containsOnly(401, 429);
      assertThat(statuses.stream().filter(s -> s == 401).count()).as("guesses checked, statuses %s", statuses)
          .isLessThanOrEqualTo(3);
      assertTooMany(server.login("admin", TestServer.ADMIN_PASSWORD));
    }
  }

  @Test
  @DisplayName("A pair attacked for a long time (100000 failures so far) still answers 401, then 429 capped; never an error")
  void manyFailuresKeepTheWaitCapped(Vertx vertx) {
    try (TestServer server = serverWithVictim(SHORT_LOCKS)) {
      Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(server.config().pgUri())).using(vertx).build();
      try {
        pool.query("INSERT INTO login_failures (name_key, address, failures, last_failure)"
            + " VALUES (login_key('" + USER + "'), '127.0.0.1', 100000, now())").execute().await();
      } finally {
        pool.close().await();
      }

      var res = server.login(USER, WRONG);
      assertThat(res.statusCode()).as("body %s", res.bodyAsString()).isEqualTo(401);
      assertThat(assertTooMany(server.login(USER, PASSWORD))).isLessThanOrEqualTo(2);
    }
  }
}
