package dev.jwtauth.issuer;

import dev.jwtauth.keys.KeyEntry;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("OAuth 2 endpoints: token (RFC 6749), revoke (RFC 7009), introspect (RFC 7662)")
class OAuth2EndpointsTest {
  static TestServer server;
  static String secret;

  @BeforeAll
  static void start() {
    server = TestServer.start();
    secret = server.createClient("reporting", List.of("reports"), List.of("reports:read", "reports:write"));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String basic(String id, String secret) {
    return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("client_credentials with HTTP Basic issues a client token the resource server accepts")
  void clientCredentialsBasic() {
    var res = server.postForm("/oauth2/token", basic("reporting", secret), Map.of("grant_type", "client_credentials"));
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Cache-Control")).isEqualTo("no-store");
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getString("token_type")).isEqualTo("Bearer");
    assertThat(body.containsKey("refresh_token")).isFalse();
    var me = server.getResource("/api/me", body.getString("access_token"));
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getString("client_id")).isEqualTo("reporting");
    assertThat(me.bodyAsJsonObject().getJsonArray("roles")).containsExactly("reports");
  }

  @Test
  @DisplayName("client_credentials with form fields and a narrower scope works")
  void clientCredentialsForm() {
    var res = server.postForm("/oauth2/token", null, Map.of("grant_type", "client_credentials",
        "client_id", "reporting", "client_secret", secret, "scope", "reports:read"));
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().getString("scope")).isEqualTo("reports:read");
  }

  @Test
  @DisplayName("a wrong client secret is 401 invalid_client with a Basic challenge")
  void wrongSecret() {
    var res = server.postForm("/oauth2/token", basic("reporting", "wrong"), Map.of("grant_type", "client_credentials"));
    assertThat(res.statusCode()).isEqualTo(401);
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("invalid_client");
    assertThat(res.getHeader("WWW-Authenticate")).startsWith("Basic");
    var unknown = server.postForm("/oauth2/token", basic("nobody", secret), Map.of("grant_type", "client_credentials"));
    assertThat(unknown.statusCode()).isEqualTo(401);
    var none = server.postForm("/oauth2/token", null, Map.of("grant_type", "client_credentials"));
    assertThat(none.statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("RFC 6749 §5.2 errors: unsupported grant, missing grant, excess scope, wrong content type")
  void errors() {
    assertThat(server.postForm("/oauth2/token", null, Map.of("grant_type", "password")).bodyAsJsonObject()
        .getString("error")).isEqualTo("unsupported_grant_type");
    var missing = server.postForm("/oauth2/token", null, Map.of());
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.bodyAsJsonObject().getString("error")).isEqualTo("invalid_request");
    var scope = server.postForm("/oauth2/token", basic("reporting", secret),
        Map.of("grant_type", "client_credentials", "scope", "admin"));
    assertThat(scope.statusCode()).isEqualTo(400);
    assertThat(scope.bodyAsJsonObject().getString("error")).isEqualTo("invalid_scope");
    var json = server.postJson("/oauth2/token", null, new JsonObject().put("grant_type", "client_credentials"));
    assertThat(json.statusCode()).isEqualTo(415);
  }

  @Test
  @DisplayName("the refresh_token grant rotates like /auth/refresh; reuse is 400 invalid_grant")
  void refreshGrant() {
    JsonObject login = server.login("admin", TestServer.ADMIN_PASSWORD).bodyAsJsonObject();
    var res = server.postForm("/oauth2/token", null, Map.of("grant_type", "refresh_token",
        "refresh_token", login.getString("refresh_token")));
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().getString("refresh_token")).isNotBlank();
    var reuse = server.postForm("/oauth2/token", null, Map.of("grant_type", "refresh_token",
        "refresh_token", login.getString("refresh_token")));
    assertThat(reuse.statusCode()).isEqualTo(400);
    assertThat(reuse.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
  }

  @Test
  @DisplayName("a login session at the refresh_token grant: a wrong client secret is 401 and consumes nothing; a client's valid credentials, or a client_id no public client has, still rotate it")
  void refreshGrantPresenters() {
    JsonObject login = server.login("admin", TestServer.ADMIN_PASSWORD).bodyAsJsonObject();
    String token = login.getString("refresh_token");
    var wrong = server.postForm("/oauth2/token", basic("reporting", "not-its-secret"),
        Map.of("grant_type", "refresh_token", "refresh_token", token));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.bodyAsJsonObject().getString("error")).isEqualTo("invalid_client");
    var mixed = server.postForm("/oauth2/token", basic("reporting", secret),
        Map.of("grant_type", "refresh_token", "refresh_token", token, "client_id", "someone-else"));
    assertThat(mixed.statusCode()).as("Basic for one client, client_id for another").isEqualTo(401);

    var byClient = server.postForm("/oauth2/token", basic("reporting", secret),
        Map.of("grant_type", "refresh_token", "refresh_token", token));
    assertThat(byClient.statusCode()).as(byClient.bodyAsString()).isEqualTo(200);
    var byUnknownId = server.postForm("/oauth2/token", null, Map.of("grant_type", "refresh_token",
        "refresh_token", byClient.bodyAsJsonObject().getString("refresh_token"), "client_id", "no-such-client"));
    assertThat(byUnknownId.statusCode()).as(byUnknownId.bodyAsString()).isEqualTo(200);
    // the login session keeps its shape: no client in its access token
    JsonObject claims = dev.jwtauth.testsupport.Jwts.part(byUnknownId.bodyAsJsonObject().getString("access_token"), 1);
    assertThat(claims.containsKey("client_id")).isFalse();
    assertThat(claims.getJsonArray("roles")).contains("admin");
  }

  @Test
  @DisplayName("introspection: active with claims for a valid token; false for revoked, expired, tampered, foreign")
  void introspect() {
    JsonObject login = server.login("admin", TestServer.ADMIN_PASSWORD).bodyAsJsonObject();
    String access = login.getString("access_token");
    String auth = basic("reporting", secret);

    JsonObject active = server.postForm("/oauth2/introspect", auth, Map.of("token", access)).bodyAsJsonObject();
    assertThat(active.getBoolean("active")).isTrue();
    assertThat(active.getString("username")).isEqualTo("admin");
    assertThat(active.getString("iss")).isEqualTo(server.config().issuer());

    JsonObject refresh = server.postForm("/oauth2/introspect", auth, Map.of("token", login.getString("refresh_token")))
        .bodyAsJsonObject();
    assertThat(refresh.getBoolean("active")).isTrue();
    assertThat(refresh.getString("token_type")).isEqualTo("refresh_token");

    String[] parts = access.split("\\.");
    JsonObject claims = Jwts.part(access, 1).put("roles", new JsonArray().add("superuser"));
    String tampered = parts[0] + "." + Jwts.b64(claims.encode()) + "." + parts[2];
    assertThat(server.postForm("/oauth2/introspect", auth, Map.of("token", tampered)).bodyAsJsonObject()
        .getBoolean("active")).isFalse();

    KeyEntry key = server.keys().active();
    long now = System.currentTimeMillis() / 1000;
    String expired = Jwts.sign(Jwts.part(access, 0), Jwts.part(access, 1).put("exp", now - 3600).put("iat", now - 4000),
        key.alg(), key.privateKey());
    assertThat(server.postForm("/oauth2/introspect", auth, Map.of("token", expired)).bodyAsJsonObject()
        .getBoolean("active")).isFalse();

    assertThat(server.postForm("/oauth2/introspect", auth, Map.of("token", "foreign.token.value")).bodyAsJsonObject()
        .getBoolean("active")).isFalse();

    assertThat(server.postJson("/auth/logout", access, new JsonObject()).statusCode()).isEqualTo(204);
    assertThat(server.postForm("/oauth2/introspect", auth, Map.of("token", access)).bodyAsJsonObject()
        .getBoolean("active")).isFalse();
    assertThat(server.postForm("/oauth2/introspect", auth, Map.of("token", login.getString("refresh_token")))
        .bodyAsJsonObject().getBoolean("active")).isFalse();
  }

  @Test
  @DisplayName("introspection needs client authentication")
  void introspectNeedsClient() {
    var res = server.postForm("/oauth2/introspect", null, Map.of("token", "x"));
    assertThat(res.statusCode()).isEqualTo(401);
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("invalid_client");
  }

  @Test
  @DisplayName("revoking an access token rejects it at the resource server; revoking a refresh token kills its session")
  void revoke() {
    JsonObject login = server.login("admin", TestServer.ADMIN_PASSWORD).bodyAsJsonObject();
    String access = login.getString("access_token");
    assertThat(server.postForm("/oauth2/revoke", null, Map.of("token", access)).statusCode()).isEqualTo(200);
    assertThat(server.getResource("/api/me", access).statusCode()).isEqualTo(401);

    JsonObject other = server.login("admin", TestServer.ADMIN_PASSWORD).bodyAsJsonObject();
    assertThat(server.postForm("/oauth2/revoke", basic("reporting", secret),
        Map.of("token", other.getString("refresh_token"), "token_type_hint", "refresh_token")).statusCode()).isEqualTo(200);
    assertThat(server.postJson("/auth/refresh", null, new JsonObject().put("refresh_token", other.getString("refresh_token")))
        .statusCode()).isEqualTo(401);
    assertThat(server.getResource("/api/me", other.getString("access_token")).statusCode()).isEqualTo(401);

    assertThat(server.postForm("/oauth2/revoke", null, Map.of("token", "unknown-token")).statusCode()).isEqualTo(200);
    assertThat(server.postForm("/oauth2/revoke", basic("reporting", "bad"), Map.of("token", "x")).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("discovery lists every endpoint, grant and algorithm")
  void discovery() {
    JsonObject d = server.client.get(server.authPort(), "127.0.0.1", "/.well-known/oauth-authorization-server")
        .send().await().bodyAsJsonObject();
    assertThat(d.getString("token_endpoint")).isEqualTo(server.config().issuer() + "/oauth2/token");
    assertThat(d.getString("revocation_endpoint")).isEqualTo(server.config().issuer() + "/oauth2/revoke");
    assertThat(d.getString("introspection_endpoint")).isEqualTo(server.config().issuer() + "/oauth2/introspect");
    assertThat(d.getJsonArray("grant_types_supported")).contains("refresh_token", "client_credentials");
    assertThat(d.getJsonArray("access_token_signing_alg_values_supported")).contains("RS256");
  }
}
