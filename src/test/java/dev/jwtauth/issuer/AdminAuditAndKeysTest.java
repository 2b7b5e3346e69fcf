package dev.jwtauth.issuer;

import dev.jwtauth.testsupport.AuthClient.Origin;
import dev.jwtauth.testsupport.ServerExtension;
import dev.jwtauth.testsupport.TestUser;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** What the admin console reads besides users and clients: the audit trail's filters and the key list. */
@DisplayName("Admin API for the console: audit filters (event, user, client, time range) and GET /admin/keys")
class AdminAuditAndKeysTest {
  @RegisterExtension
  static final ServerExtension server = ServerExtension.create();
  static String admin;

  @BeforeAll
  static void token() {
    admin = server.adminToken();
  }

  static JsonArray audit(String query) {
    var res = server.http().get(Origin.AUTH, "/admin/audit" + query, admin);
    assertThat(res.statusCode()).as("GET /admin/audit%s: %s", query, res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject().getJsonArray("events");
  }

  /** Polls until the events of {@code query} satisfy {@code done} (audit events are stored asynchronously). */
  static JsonArray auditUntil(String query, Predicate<JsonArray> done) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    JsonArray events = audit(query);
    while (!done.test(events) && System.nanoTime() < deadline) {
      server.app().vertx().timer(20).await();
      events = audit(query);
    }
    return events;
  }

  static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  static List<String> kinds(JsonArray events) {
    return events.stream().map(e -> ((JsonObject) e).getString("event")).toList();
  }

  @Test
  @DisplayName("since and until select events by time: since is inclusive, until exclusive, with any offset")
  void timeRange() {
    TestUser user = server.newUser("aud", "user");
    JsonArray all = auditUntil("?username=" + user.name(), e -> !e.isEmpty());
    assertThat(kinds(all)).contains("user_created");
    OffsetDateTime at = OffsetDateTime.parse(all.getJsonObject(all.size() - 1).getString("at"));

    assertThat(audit("?username=" + user.name() + "&since=" + enc(at.toString()))).hasSize(all.size());
    assertThat(audit("?username=" + user.name() + "&until=" + enc(at.toString()))).isEmpty();
    assertThat(audit("?username=" + user.name() + "&since=" + enc(at.plusSeconds(1).toString()))).isEmpty();
    assertThat(audit("?username=" + user.name() + "&until=" + enc(at.plusNanos(1000).toString()))).hasSize(all.size());
    // the same instant written with another offset
    String elsewhere = at.minusSeconds(1).withOffsetSameInstant(java.time.ZoneOffset.ofHours(9)).toString();
    assertThat(audit("?username=" + user.name() + "&since=" + enc(elsewhere) + "&until="
        + enc(Instant.now().plusSeconds(60).toString()))).hasSize(all.size());
  }

  @Test
  @DisplayName("client_id selects a client's events; event and username combine; empty parameters do not filter")
  void byClientAndEvent() {
    String clientId = "console-audit-" + System.nanoTime();
    server.server().createClient(clientId, List.of("reports"), List.of("reports:read"));
    JsonArray events = auditUntil("?client_id=" + clientId, e -> !e.isEmpty());
    assertThat(kinds(events)).containsExactly("client_created");
    assertThat(events.getJsonObject(0).getString("client_id")).isEqualTo(clientId);

    TestUser user = server.newUser("aud", "user");
    assertThat(server.http().login(user.name(), "wrong-password-1").statusCode()).isEqualTo(401);
    JsonArray failures = auditUntil("?event=login_failure&username=" + user.name(), e -> !e.isEmpty());
    assertThat(failures).hasSize(1);
    assertThat(kinds(audit("?event=&client_id=&username=" + user.name())))
        .contains("user_created", "login_failure");
  }

  @Test
  @DisplayName("A since or until that is not an RFC 3339 date-time is a 400 invalid_request naming it")
  void badTimes() {
    for (String query : new String[] {"?since=yesterday", "?until=2026-13-01T00:00:00Z", "?since=2026-12-01T10:00:00"}) {
      var res = server.http().get(Origin.AUTH, "/admin/audit" + query, admin);
      assertThat(res.statusCode()).as(query).isEqualTo(400);
      assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
      assertThat(res.bodyAsJsonObject().getString("error_description")).contains(query.substring(1, 6));
    }
  }

  @Test
  @DisplayName("GET /admin/keys lists the keys oldest first, exactly one active; after a rotation the old one shows when it retires")
  void keys() {
    var before = server.http().get(Origin.AUTH, "/admin/keys", admin);
    assertThat(before.statusCode()).isEqualTo(200);
    JsonArray keys = before.bodyAsJsonObject().getJsonArray("keys");
    assertThat(keys).isNotEmpty();
    JsonObject active = keys.getJsonObject(keys.size() - 1);
    assertThat(active.getBoolean("active")).isTrue();
    assertThat(active.containsKey("retires_at")).isFalse();
    assertThat(active.fieldNames()).containsExactlyInAnyOrder("kid", "alg", "created", "active");
    assertThat(before.bodyAsString()).doesNotContain("pkcs8", "\"d\"");

    String rotated = server.http().post("/admin/keys/rotate", admin, new JsonObject()).bodyAsJsonObject().getString("kid");
    JsonArray after = server.http().get(Origin.AUTH, "/admin/keys", admin).bodyAsJsonObject().getJsonArray("keys");

    assertThat(after.stream().filter(k -> ((JsonObject) k).getBoolean("active")).toList()).hasSize(1);
    assertThat(after.getJsonObject(after.size() - 1).getString("kid")).isEqualTo(rotated);
    assertThat(after.getJsonObject(after.size() - 1).getBoolean("active")).isTrue();
    JsonObject old = after.stream().map(k -> (JsonObject) k).filter(k -> k.getString("kid").equals(active.getString("kid")))
        .findFirst().orElseThrow();
    assertThat(old.getBoolean("active")).isFalse();
    assertThat(old.getLong("retires_at")).isEqualTo(after.getJsonObject(after.size() - 1).getLong("created")
        + server.config().keyRetirementDelay().toSeconds());
    // the JWKS publishes the same kids
    List<String> published = server.http().jwks().bodyAsJsonObject().getJsonArray("keys").stream()
        .map(k -> ((JsonObject) k).getString("kid")).toList();
    assertThat(after.stream().map(k -> ((JsonObject) k).getString("kid")).toList()).containsExactlyInAnyOrderElementsOf(published);
  }

  @Test
  @DisplayName("GET /admin/keys needs the admin role: 401 without a token, 403 for a user")
  void keysNeedAdmin() {
    TestUser user = server.newUser("keys", "user");
    assertThat(server.http().get(Origin.AUTH, "/admin/keys").statusCode()).isEqualTo(401);
    assertThat(server.http().get(Origin.AUTH, "/admin/keys", server.http().accessToken(user.name(), user.password()))
        .statusCode()).isEqualTo(403);
  }
}
