package dev.jwtauth;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.launcher.App;
import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.MutableClock;
import dev.jwtauth.testsupport.ServerExtension;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.Map;

import static dev.jwtauth.testsupport.AuthClient.Origin.RESOURCE;
import static dev.jwtauth.testsupport.NimbusVerifier.verify;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Every configurable signing algorithm (RS256, PS256, ES256, EdDSA) issues standard, tamper-proof tokens")
class AlgorithmsTest {
  @RegisterExtension
  static final ServerExtension rs256 = signingWith(SigningAlgorithm.RS256);
  @RegisterExtension
  static final ServerExtension ps256 = signingWith(SigningAlgorithm.PS256);
  @RegisterExtension
  static final ServerExtension es256 = signingWith(SigningAlgorithm.ES256);
  @RegisterExtension
  static final ServerExtension eddsa = signingWith(SigningAlgorithm.EdDSA);
  /** One server per algorithm; a new algorithm without a server here fails every test of it. */
  static final Map<SigningAlgorithm, ServerExtension> servers = Map.of(
      SigningAlgorithm.RS256, rs256, SigningAlgorithm.PS256, ps256, SigningAlgorithm.ES256, es256,
      SigningAlgorithm.EdDSA, eddsa);

  static ServerExtension signingWith(SigningAlgorithm alg) {
    return ServerExtension.withSettings(Map.of("SIGNING_ALG", alg.name()));
  }

  private static JsonObject key(JsonObject jwks, String kid) {
    return jwks.getJsonArray("keys").stream().map(JsonObject.class::cast)
        .filter(k -> kid.equals(k.getString("kid"))).findFirst()
        .orElseThrow(() -> new AssertionError("kid " + kid + " is not in the JWKS " + jwks.encode()));
  }

  private static void assertJwkShape(JsonObject jwk, SigningAlgorithm alg) {
    assertThat(jwk.getString("alg")).isEqualTo(alg.name());
    assertThat(jwk.getString("use")).isEqualTo("sig");
    assertThat(jwk.containsKey("d")).isFalse();
    switch (alg) {
      case RS256, PS256 -> {
        assertThat(jwk.getString("kty")).isEqualTo("RSA");
        assertThat(jwk.getString("n")).isNotBlank();
        assertThat(jwk.getString("e")).isEqualTo("AQAB");
      }
      case ES256 -> {
        assertThat(jwk.getString("kty")).isEqualTo("EC");
        assertThat(jwk.getString("crv")).isEqualTo("P-256");
        assertThat(jwk.getString("x")).hasSize(43);
        assertThat(jwk.getString("y")).hasSize(43);
      }
      case EdDSA -> {
        assertThat(jwk.getString("kty")).isEqualTo("OKP");
        assertThat(jwk.getString("crv")).isEqualTo("Ed25519");
        assertThat(jwk.getString("x")).hasSize(43);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SigningAlgorithm.class)
  @DisplayName("a login token carries the configured alg and typ at+jwt, passes /api/me, and Nimbus verifies it with the published JWK")
  void tokenOfEachAlgorithm(SigningAlgorithm alg) throws Exception {
    ServerExtension server = servers.get(alg);
    AuthClient http = server.http();
    String token = server.adminToken();

    JsonObject header = Jwts.part(token, 0);
    assertThat(header.getString("alg")).isEqualTo(alg.name());
    assertThat(header.getString("typ")).isEqualTo("at+jwt");
    assertThat(header.getString("kid")).isEqualTo(server.keys().active().kid());

    var me = http.me(token);
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getString("username")).isEqualTo("admin");

    JsonObject jwks = http.jwks().bodyAsJsonObject();
    assertJwkShape(key(jwks, header.getString("kid")), alg);

    JWTClaimsSet claims = verify(jwks.encode(), server.config().issuer(), token);
    assertThat(claims.getStringClaim("username")).isEqualTo("admin");
    assertThat(claims.getStringListClaim("roles")).containsExactly("admin");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SigningAlgorithm.class)
  @DisplayName("a token whose payload was changed is rejected with 401 (and by Nimbus)")
  void tamperedPayloadRejected(SigningAlgorithm alg) throws Exception {
    ServerExtension server = servers.get(alg);
    AuthClient http = server.http();
    server.createUser("user-" + alg.name().toLowerCase(), "user-password-1", "user");
    String token = http.accessToken("user-" + alg.name().toLowerCase(), "user-password-1");
    assertThat(http.me(token).statusCode()).isEqualTo(200);
    String[] parts = token.split("\\.");
    JsonObject payload = Jwts.part(token, 1).put("roles", new JsonArray().add("admin"));
    String tampered = parts[0] + "." + Jwts.b64(payload.encode()) + "." + parts[2];

    var me = http.me(tampered);
    assertThat(me.statusCode()).isEqualTo(401);
    assertThat(me.getHeader("WWW-Authenticate")).contains("error=\"invalid_token\"");
    assertThat(http.get(RESOURCE, "/api/admin/stats", tampered).statusCode()).isEqualTo(401);
    String jwks = http.jwks().bodyAsString();
    assertThatThrownBy(() -> verify(jwks, server.config().issuer(), tampered))
        .isInstanceOf(Exception.class);
  }

  @Test
  @DisplayName("ES256: an all-zero signature (CVE-2022-21449, \"psychic signature\") is rejected with 401")
  void psychicSignatureRejected() {
    AuthClient http = es256.http();
    String token = es256.adminToken();
    String[] parts = token.split("\\.");
    String zeroSigned = parts[0] + "." + parts[1] + "." + Jwts.b64(new byte[64]);
    JsonObject forgedPayload = Jwts.part(token, 1).put("sub", "someone-else");
    String zeroSignedForgery = parts[0] + "." + Jwts.b64(forgedPayload.encode()) + "." + Jwts.b64(new byte[64]);

    assertThat(http.me(zeroSigned).statusCode()).isEqualTo(401);
    assertThat(http.me(zeroSignedForgery).statusCode()).isEqualTo(401);
    assertThat(http.me(token).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("switching SIGNING_ALG from RS256 to ES256 on restart: old RS256 tokens still pass, new tokens are ES256")
  void switchAlgorithmOnRestart() throws Exception {
    // One frozen clock for both runs: the restart happens within the same second as the first key's
    // creation, the case where the new ES256 key must still become the active one.
    MutableClock clock = new MutableClock();
    String rsToken;
    String rsKid;
    Path keysDir;
    String pgUri;
    try (TestServer first = TestServer.start(Map.of("SIGNING_ALG", "RS256"), clock)) {
      rsToken = first.accessToken("admin", TestServer.ADMIN_PASSWORD);
      rsKid = first.keys().active().kid();
      keysDir = first.config().keysDir();
      pgUri = first.config().pgUri();
    }
    assertThat(Jwts.part(rsToken, 0).getString("alg")).isEqualTo("RS256");

    int authPort = TestServer.freePort();
    int resourcePort = TestServer.freePort();
    AppConfig es256Config = AppConfig.from(TestServer.baseSettings()
        .put("PG_URI", pgUri)
        .put("KEYS_DIR", keysDir.toString())
        .put("SIGNING_ALG", "ES256")
        .put("AUTH_HTTP_PORT", authPort)
        .put("RESOURCE_HTTP_PORT", resourcePort));
    Vertx vertx = Vertx.vertx();
    AuthClient http = new AuthClient(WebClient.create(vertx), authPort, resourcePort);
    try (App app = App.start(es256Config, clock, false)) {
      var oldMe = http.me(rsToken);
      assertThat(oldMe.statusCode()).isEqualTo(200);
      assertThat(oldMe.bodyAsJsonObject().getString("username")).isEqualTo("admin");

      var login = http.login("admin", TestServer.ADMIN_PASSWORD);
      assertThat(login.statusCode()).isEqualTo(200);
      String esToken = login.bodyAsJsonObject().getString("access_token");
      JsonObject header = Jwts.part(esToken, 0);
      assertThat(header.getString("alg")).isEqualTo("ES256");
      assertThat(header.getString("kid")).isNotEqualTo(rsKid);
      assertThat(http.me(esToken).statusCode()).isEqualTo(200);

      JsonObject jwks = http.jwks().bodyAsJsonObject();
      assertJwkShape(key(jwks, rsKid), SigningAlgorithm.RS256);
      assertJwkShape(key(jwks, header.getString("kid")), SigningAlgorithm.ES256);
      assertThat(verify(jwks.encode(), es256Config.issuer(), rsToken).getStringClaim("username")).isEqualTo("admin");
      assertThat(verify(jwks.encode(), es256Config.issuer(), esToken).getStringClaim("username")).isEqualTo("admin");
    } finally {
      vertx.close().await();
    }
  }
}
