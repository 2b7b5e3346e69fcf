package dev.jwtauth;

import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.AuthClient.Origin;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.ServerExtension;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.vertx.core.http.HttpMethod.GET;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The README walk-through, step by step")
class WalkthroughTest {
  @RegisterExtension
  static final ServerExtension server = ServerExtension.create();

  @Test
  @DisplayName("admin logs in, creates a user; the user calls /api/me, is refused /api/admin/stats; JWKS and token decode")
  void walkthrough() {
    AuthClient http = server.http();
    // 1. log in as admin
    var adminLogin = http.login("admin", TestServer.ADMIN_PASSWORD);
    assertThat(adminLogin.statusCode()).isEqualTo(200);
    assertThat(adminLogin.getHeader("Cache-Control")).isEqualTo("no-store");
    JsonObject adminTokens = adminLogin.bodyAsJsonObject();
    assertThat(adminTokens.getString("token_type")).isEqualTo("Bearer");
    assertThat(adminTokens.getLong("expires_in")).isEqualTo(900L);
    assertThat(adminTokens.getString("refresh_token")).hasSize(43);
    assertThat(adminTokens.getLong("refresh_expires_in")).isEqualTo(1_209_600L);
    String admin = adminTokens.getString("access_token");

    // 2. create a user
    var created = http.createUser(admin, "alice", "alice-password", "user");
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getString("username")).isEqualTo("alice");
    assertThat(created.bodyAsJsonObject().getJsonArray("roles")).containsExactly("user");

    // 3. log in as the user
    String alice = http.accessToken("alice", "alice-password");

    // 4. call /api/me
    var me = http.me(alice);
    assertThat(me.statusCode()).isEqualTo(200);
    JsonObject meBody = me.bodyAsJsonObject();
    assertThat(meBody.getString("username")).isEqualTo("alice");
    assertThat(meBody.getString("sub")).isEqualTo(created.bodyAsJsonObject().getString("id"));
    assertThat(meBody.getJsonArray("roles")).containsExactly("user");
    assertThat(meBody.getLong("exp")).isNotNull();

    // 5. 403 on /api/admin/stats, 200 for the admin
    var stats = http.get(Origin.RESOURCE, "/api/admin/stats", alice);
    assertThat(stats.statusCode()).isEqualTo(403);
    assertThat(stats.getHeader("WWW-Authenticate")).contains("error=\"insufficient_scope\"");
    assertThat(stats.bodyAsJsonObject().getString("error")).isEqualTo("insufficient_scope");
    assertThat(http.get(Origin.RESOURCE, "/api/admin/stats", admin).statusCode()).isEqualTo(200);

    // 6. fetch the JWKS (and its 304)
    var jwks = http.jwks();
    assertThat(jwks.statusCode()).isEqualTo(200);
    assertThat(jwks.getHeader("Cache-Control")).isEqualTo("public, max-age=300");
    String etag = jwks.getHeader("ETag");
    assertThat(etag).startsWith("\"");
    JsonObject key = jwks.bodyAsJsonObject().getJsonArray("keys").getJsonObject(0);
    assertThat(key.getString("kty")).isEqualTo("RSA");
    assertThat(key.getString("use")).isEqualTo("sig");
    assertThat(key.getString("alg")).isEqualTo("RS256");
    assertThat(key.containsKey("d")).isFalse();
    var notModified = http.request(GET, Origin.AUTH, "/.well-known/jwks.json")
        .putHeader("If-None-Match", etag).send().await();
    assertThat(notModified.statusCode()).isEqualTo(304);

    // 7. decode the token: header and claims as DESIGN.md lists them
    JsonObject header = Jwts.part(alice, 0);
    assertThat(header.getString("alg")).isEqualTo("RS256");
    assertThat(header.getString("typ")).isEqualTo("at+jwt");
    assertThat(header.getString("kid")).isEqualTo(key.getString("kid"));
    JsonObject claims = Jwts.part(alice, 1);
    assertThat(claims.getString("iss")).isEqualTo("http://localhost:8080");
    assertThat(claims.getString("aud")).isEqualTo("api");
    assertThat(claims.getString("sub")).isEqualTo(meBody.getString("sub"));
    assertThat(claims.getLong("exp") - claims.getLong("iat")).isEqualTo(900L);
    assertThat(claims.getString("jti")).isNotBlank();
    assertThat(claims.getString("sid")).isNotBlank();
    assertThat(claims.getJsonArray("roles")).containsExactly("user");
    assertThat(claims.getString("username")).isEqualTo("alice");
    assertThat(claims.fieldNames()).doesNotContain("password", "password_hash");

    // 8. discovery: the issuer is exactly the tokens' iss
    var discovery = http.get(Origin.AUTH, "/.well-known/openid-configuration");
    assertThat(discovery.statusCode()).isEqualTo(200);
    assertThat(discovery.bodyAsJsonObject().getString("issuer")).isEqualTo(claims.getString("iss"));
    assertThat(discovery.bodyAsJsonObject().getString("jwks_uri")).isEqualTo("http://localhost:8080/.well-known/jwks.json");
    assertThat(discovery.bodyAsJsonObject().getJsonArray("response_types_supported")).containsExactly("code");
  }

  @Test
  @DisplayName("/api/me without a token is 401 with a Bearer challenge")
  void noToken() {
    var res = server.http().me(null);
    assertThat(res.statusCode()).isEqualTo(401);
    assertThat(res.getHeader("WWW-Authenticate")).startsWith("Bearer");
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("invalid_token");
  }
}
