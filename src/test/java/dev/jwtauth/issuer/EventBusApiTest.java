package dev.jwtauth.issuer;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.MutableClock;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(VertxExtension.class)
@DisplayName("The event-bus API: other verticles issue, verify and revoke tokens and read the JWKS")
class EventBusApiTest {
  static TestServer server;
  static EventBus bus;
  static String secret;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    bus = server.app().vertx().eventBus();
    secret = server.createClient(SampleServiceVerticle.SUBJECT, List.of(SampleServiceVerticle.ROLE, "audit"),
        List.of("reports:read", "reports:write"));
  }

  /** An issue request as the registered client report-service. */
  private static JsonObject asClient() {
    return new JsonObject().put("client_id", SampleServiceVerticle.SUBJECT).put("client_secret", secret);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static JsonObject request(String address, JsonObject body) {
    return bus.<JsonObject>request(address, body).await().body();
  }

  private static String issue(String sub, String... roles) {
    return request(Addresses.TOKEN_ISSUE, asClient().put("sub", sub).put("roles", new JsonArray(List.of(roles))))
        .getString("access_token");
  }

  /** Asserts that a request fails with a recipient failure of this code and message. */
  private static void assertFails(String address, JsonObject body, int code, String message) {
    assertThatThrownBy(() -> bus.request(address, body).await())
        .isInstanceOfSatisfying(ReplyException.class, e -> {
          assertThat(e.failureType()).isEqualTo(ReplyFailure.RECIPIENT_FAILURE);
          assertThat(e.failureCode()).isEqualTo(code);
          assertThat(e.getMessage()).isEqualTo(message);
        });
  }

  @Test
  @DisplayName("a verticle on the server's Vert.x gets a token over the bus and /api/me accepts it with its subject and roles")
  void sampleServiceCallsApiWithBusToken() {
    var sample = new SampleServiceVerticle(server.resourcePort(), SampleServiceVerticle.SUBJECT, secret);
    String deployment = server.app().vertx().deployVerticle(sample).await();
    try {
      SampleServiceVerticle.Answer me = sample.me().await();

      assertThat(me.status()).isEqualTo(200);
      assertThat(me.body().getString("sub")).isEqualTo("report-service");
      assertThat(me.body().getJsonArray("roles")).containsExactly("reports");
    } finally {
      server.app().vertx().undeploy(deployment).await();
    }
  }

  @Test
  @DisplayName("auth.token.issue caps a requested ttl at ACCESS_TOKEN_TTL (900 s)")
  void issueCapsTtl() {
    JsonObject reply = request(Addresses.TOKEN_ISSUE, asClient().put("sub", "report-service")
        .put("roles", new JsonArray().add("reports")).put("ttl", 86_400));

    assertThat(reply.getString("token_type")).isEqualTo("Bearer");
    assertThat(reply.getLong("expires_in")).isEqualTo(900L);
    JsonObject claims = Jwts.part(reply.getString("access_token"), 1);
    assertThat(claims.getLong("exp") - claims.getLong("iat")).isEqualTo(900L);
  }

  @Test
  @DisplayName("auth.token.issue honours a ttl below the cap")
  void issueHonoursShorterTtl() {
    JsonObject reply = request(Addresses.TOKEN_ISSUE, asClient().put("sub", "report-service").put("ttl", 60));

    assertThat(reply.getLong("expires_in")).isEqualTo(60L);
    JsonObject claims = Jwts.part(reply.getString("access_token"), 1);
    assertThat(claims.getLong("exp") - claims.getLong("iat")).isEqualTo(60L);
  }

  static Stream<Arguments> badIssueBodies() {
    return Stream.of(
        Arguments.of("sub not a string", asClient().put("sub", 42)),
        Arguments.of("empty sub", asClient().put("sub", "")),
        Arguments.of("roles not an array", asClient().put("sub", "report-service").put("roles", "reports")),
        Arguments.of("bad role name", asClient().put("sub", "report-service").put("roles", new JsonArray().add("Admin!"))),
        Arguments.of("ttl not a number", asClient().put("ttl", "60")),
        Arguments.of("a user's id as sub", asClient().put("sub", "0b9f4b0e-3c57-4f51-9c1c-2f9d0f1b7a11")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badIssueBodies")
  @DisplayName("auth.token.issue with a bad body fails 400 invalid_request")
  void issueRejectsBadBody(String what, JsonObject body) {
    assertFails(Addresses.TOKEN_ISSUE, body, 400, "invalid_request");
  }

  static Stream<Arguments> unauthenticatedIssues() {
    return Stream.of(
        Arguments.of("no client credentials, asking for admin", new JsonObject().put("sub", "x")
            .put("roles", new JsonArray().add("admin"))),
        Arguments.of("a client_id without its secret", new JsonObject().put("client_id", SampleServiceVerticle.SUBJECT)),
        Arguments.of("a wrong secret", new JsonObject().put("client_id", SampleServiceVerticle.SUBJECT)
            .put("client_secret", "not-the-secret")),
        Arguments.of("an unknown client", new JsonObject().put("client_id", "nobody").put("client_secret", "x")),
        Arguments.of("a secret that is not a string", new JsonObject().put("client_id", SampleServiceVerticle.SUBJECT)
            .put("client_secret", 1)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unauthenticatedIssues")
  @DisplayName("auth.token.issue without a registered client's valid credentials fails 401 invalid_client: no token")
  void issueNeedsClientCredentials(String what, JsonObject body) {
    assertFails(Addresses.TOKEN_ISSUE, body, 401, "invalid_client");
  }

  @Test
  @DisplayName("auth.token.issue never issues the admin role, even to a valid client, and no more roles or scopes than the client's")
  void issueGrantsAtMostTheClientsRolesAndScopes() {
    assertFails(Addresses.TOKEN_ISSUE, asClient().put("roles", new JsonArray().add("admin")), 400, "invalid_scope");
    assertFails(Addresses.TOKEN_ISSUE, asClient().put("roles", new JsonArray().add("reports").add("billing")), 400,
        "invalid_scope");
    assertFails(Addresses.TOKEN_ISSUE, asClient().put("scope", "reports:read admin:all"), 400, "invalid_scope");
  }

  @Test
  @DisplayName("auth.token.issue by default grants the client's roles and scopes, with client_id and scope in the token")
  void issueDefaultsToTheClientsGrant() {
    JsonObject reply = request(Addresses.TOKEN_ISSUE, asClient());

    JsonObject claims = Jwts.part(reply.getString("access_token"), 1);
    assertThat(claims.getString("sub")).isEqualTo(SampleServiceVerticle.SUBJECT);
    assertThat(claims.getString("client_id")).isEqualTo(SampleServiceVerticle.SUBJECT);
    assertThat(claims.getJsonArray("roles")).containsExactly("reports", "audit");
    assertThat(claims.getString("scope")).isEqualTo("reports:read reports:write");
    assertThat(reply.getString("scope")).isEqualTo("reports:read reports:write");
    var reports = server.getResource("/api/reports", reply.getString("access_token"));
    assertThat(reports.statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("auth.token.issue with a narrower scope: only that scope is in the token, and /api/reports refuses a token without reports:read")
  void issueNarrowerScope() {
    JsonObject reply = request(Addresses.TOKEN_ISSUE, asClient().put("scope", "reports:write").put("sub", "nightly-job"));

    JsonObject claims = Jwts.part(reply.getString("access_token"), 1);
    assertThat(claims.getString("sub")).isEqualTo("nightly-job");
    assertThat(claims.getString("scope")).isEqualTo("reports:write");
    var reports = server.getResource("/api/reports", reply.getString("access_token"));
    assertThat(reports.statusCode()).isEqualTo(403);
    assertThat(reports.getHeader("WWW-Authenticate")).contains("error=\"insufficient_scope\"").contains("reports:read");
  }

  @Test
  @DisplayName("a disabled client gets no token over the bus, and the tokens it already had are refused by /api/me at once")
  void disabledClientIsRefused() {
    String s = server.createClient("batch-client", List.of("reports"), List.of());
    JsonObject ask = new JsonObject().put("client_id", "batch-client").put("client_secret", s);
    String token = request(Addresses.TOKEN_ISSUE, ask).getString("access_token");
    assertThat(server.getResource("/api/me", token).statusCode()).isEqualTo(200);

    var disabled = server.postJson("/admin/clients/batch-client/disable",
        server.accessToken("admin", TestServer.ADMIN_PASSWORD), new JsonObject());

    assertThat(disabled.statusCode()).isEqualTo(204);
    assertFails(Addresses.TOKEN_ISSUE, ask, 401, "invalid_client");
    assertThat(server.getResource("/api/me", token).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("auth.token.verify replies the verified claims of a good token")
  void verifyGoodToken() {
    String token = server.accessToken("admin", TestServer.ADMIN_PASSWORD);

    JsonObject claims = request(Addresses.TOKEN_VERIFY, new JsonObject().put("token", token));

    assertThat(claims.getString("sub")).isEqualTo(Jwts.part(token, 1).getString("sub"));
    assertThat(claims.getJsonArray("roles")).containsExactly("admin");
    assertThat(claims.getString("iss")).isEqualTo(server.config().issuer());
  }

  @Test
  @DisplayName("auth.token.verify fails 401 invalid_token for a token whose payload was changed")
  void verifyRejectsTampered() {
    String token = issue("report-service", "reports");
    String[] parts = token.split("\\.");
    JsonObject payload = Jwts.part(token, 1).put("roles", new JsonArray().add("admin"));
    String tampered = parts[0] + "." + Jwts.b64(payload.encode()) + "." + parts[2];

    assertFails(Addresses.TOKEN_VERIFY, new JsonObject().put("token", tampered), 401, "invalid_token");
  }

  @Test
  @DisplayName("auth.token.revoke of an access token: /api/me and auth.token.verify reject it afterwards")
  void revokeAccessToken() {
    String token = server.accessToken("admin", TestServer.ADMIN_PASSWORD);
    assertThat(server.getResource("/api/me", token).statusCode()).isEqualTo(200);

    JsonObject reply = request(Addresses.TOKEN_REVOKE, new JsonObject().put("token", token));

    assertThat(reply.getBoolean("revoked")).isTrue();
    var me = server.getResource("/api/me", token);
    assertThat(me.statusCode()).isEqualTo(401);
    assertThat(me.getHeader("WWW-Authenticate")).contains("error=\"invalid_token\"");
    assertFails(Addresses.TOKEN_VERIFY, new JsonObject().put("token", token), 401, "invalid_token");
  }

  @Test
  @DisplayName("auth.token.revoke of a refresh token ends its session: the refresh is refused and the login's access token too")
  void revokeRefreshTokenEndsSession() {
    JsonObject login = server.login("admin", TestServer.ADMIN_PASSWORD).bodyAsJsonObject();
    String access = login.getString("access_token");
    String refresh = login.getString("refresh_token");
    assertThat(server.getResource("/api/me", access).statusCode()).isEqualTo(200);

    JsonObject reply = request(Addresses.TOKEN_REVOKE, new JsonObject().put("token", refresh));

    assertThat(reply.getBoolean("revoked")).isTrue();
    var refreshed = server.postJson("/auth/refresh", null, new JsonObject().put("refresh_token", refresh));
    assertThat(refreshed.statusCode()).isEqualTo(401);
    assertThat(refreshed.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
    assertThat(server.getResource("/api/me", access).statusCode()).isEqualTo(401);
    assertFails(Addresses.TOKEN_VERIFY, new JsonObject().put("token", access), 401, "invalid_token");
  }

  @Test
  @DisplayName("auth.jwks.get replies the public key set with the active kid")
  void jwksGet() {
    JsonObject jwks = request(Addresses.JWKS_GET, new JsonObject());

    JsonArray keys = jwks.getJsonArray("keys");
    assertThat(keys).isNotEmpty();
    assertThat(keys.stream().map(k -> ((JsonObject) k).getString("kid")))
        .contains(server.keys().active().kid());
    keys.forEach(k -> assertThat(((JsonObject) k).containsKey("d")).isFalse());
  }

  @Test
  @DisplayName("auth.keys.rotate makes the new key the signing key at once, even within the same second as the last one")
  void rotatedKeyIsActiveAtOnce() {
    // A frozen clock: every rotation happens in the second the first key was made.
    try (TestServer frozen = TestServer.start(Map.of(), new MutableClock())) {
      EventBus frozenBus = frozen.app().vertx().eventBus();
      for (int i = 0; i < 3; i++) {
        String kid = frozenBus.<JsonObject>request(Addresses.KEYS_ROTATE, new JsonObject()).await().body().getString("kid");

        JsonObject signing = frozenBus.<JsonObject>request(Addresses.SIGNING_KEY_GET, new JsonObject()).await().body();
        assertThat(signing.getString("kid")).isEqualTo(kid);
        assertThat(frozen.keys().active().kid()).isEqualTo(kid);
      }
      assertThat(frozen.keys().all()).hasSize(4);
    }
  }

  @Test
  @DisplayName("a revocation is published on auth.token.revoked as {kind: jti, value, exp}")
  void revocationIsPublished(VertxTestContext testContext) {
    String token = issue("report-service", "reports");
    JsonObject claims = Jwts.part(token, 1);
    JsonObject expected = new JsonObject().put("kind", "jti").put("value", claims.getString("jti"))
        .put("exp", claims.getLong("exp"));
    Checkpoint published = testContext.checkpoint();
    Checkpoint replied = testContext.checkpoint();
    MessageConsumer<JsonObject> consumer = bus.consumer(Addresses.TOKEN_REVOKED);
    consumer.handler(msg -> testContext.verify(() -> {
      assertThat(msg.body()).isEqualTo(expected);
      consumer.unregister();
      published.flag();
    }));
    consumer.completion().await();

    bus.<JsonObject>request(Addresses.TOKEN_REVOKE, new JsonObject().put("token", token))
        .onComplete(testContext.succeeding(reply -> testContext.verify(() -> {
          assertThat(reply.body().getBoolean("revoked")).isTrue();
          replied.flag();
        })));
  }
}
