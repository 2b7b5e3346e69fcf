package dev.jwtauth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.launcher.App;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.MutableClock;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(VertxExtension.class)
@DisplayName("Every configurable signing algorithm (RS256, PS256, ES256, EdDSA) issues standard, tamper-proof tokens")
class AlgorithmsTest {
  static final Map<SigningAlgorithm, TestServer> servers = new EnumMap<>(SigningAlgorithm.class);

  @BeforeAll
  static void start() {
    for (SigningAlgorithm alg : SigningAlgorithm.values()) {
      servers.put(alg, TestServer.start(Map.of("SIGNING_ALG", alg.name())));
    }
  }

  @AfterAll
  static void stop() {
    servers.values().forEach(TestServer::close);
  }

  private static JsonObject jwks(TestServer server) {
    return server.client.get(server.authPort(), "127.0.0.1", "/.well-known/jwks.json").send().await().bodyAsJsonObject();
  }

  private static JsonObject key(JsonObject jwks, String kid) {
    return jwks.getJsonArray("keys").stream().map(JsonObject.class::cast)
        .filter(k -> kid.equals(k.getString("kid"))).findFirst()
        .orElseThrow(() -> new AssertionError("kid " + kid + " is not in the JWKS " + jwks.encode()));
  }

  /**
   * Verifies a token with Nimbus against a JWKS, with {@link JoseInteropTest#processorFor}'s rules.
   * Nimbus's key selector cannot hand an OKP key to a verifier ({@code OctetKeyPair.toPublicKey} is
   * unsupported), so an EdDSA signature is checked with {@link Ed25519Verifier} (Tink) and the same
   * type and claims verifiers are applied.
   */
  static JWTClaimsSet nimbusVerify(String jwks, String issuer, String token) throws Exception {
    DefaultJWTProcessor<SecurityContext> processor = JoseInteropTest.processorFor(jwks, issuer);
    SignedJWT jwt = SignedJWT.parse(token);
    if (!JWSAlgorithm.EdDSA.equals(jwt.getHeader().getAlgorithm())) {
      return processor.process(jwt, null);
    }
    if (!(JWKSet.parse(jwks).getKeyByKeyId(jwt.getHeader().getKeyID()) instanceof OctetKeyPair key)
        || !jwt.verify(new Ed25519Verifier(key))) {
      throw new BadJWSException("EdDSA signature not valid for the published key");
    }
    processor.getJWSTypeVerifier().verify(jwt.getHeader().getType(), null);
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    processor.getJWTClaimsSetVerifier().verify(claims, null);
    return claims;
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
    TestServer server = servers.get(alg);
    String token = server.accessToken("admin", TestServer.ADMIN_PASSWORD);

    JsonObject header = Jwts.part(token, 0);
    assertThat(header.getString("alg")).isEqualTo(alg.name());
    assertThat(header.getString("typ")).isEqualTo("at+jwt");
    assertThat(header.getString("kid")).isEqualTo(server.keys().active().kid());

    var me = server.getResource("/api/me", token);
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getString("username")).isEqualTo("admin");

    JsonObject jwks = jwks(server);
    assertJwkShape(key(jwks, header.getString("kid")), alg);

    JWTClaimsSet claims = nimbusVerify(jwks.encode(), server.config().issuer(), token);
    assertThat(claims.getStringClaim("username")).isEqualTo("admin");
    assertThat(claims.getStringListClaim("roles")).containsExactly("admin");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SigningAlgorithm.class)
  @DisplayName("a token whose payload was changed is rejected with 401 (and by Nimbus)")
  void tamperedPayloadRejected(SigningAlgorithm alg) throws Exception {
    TestServer server = servers.get(alg);
    server.createUser("user-" + alg.name().toLowerCase(), "user-password-1", "user");
    String token = server.accessToken("user-" + alg.name().toLowerCase(), "user-password-1");
    assertThat(server.getResource("/api/me", token).statusCode()).isEqualTo(200);
    String[] parts = token.split("\\.");
    JsonObject payload = Jwts.part(token, 1).put("roles", new JsonArray().add("admin"));
    String tampered = parts[0] + "." + Jwts.b64(payload.encode()) + "." + parts[2];

    var me = server.getResource("/api/me", tampered);
    assertThat(me.statusCode()).isEqualTo(401);
    assertThat(me.getHeader("WWW-Authenticate")).contains("error=\"invalid_token\"");
    assertThat(server.getResource("/api/admin/stats", tampered).statusCode()).isEqualTo(401);
    String jwks = jwks(server).encode();
    assertThatThrownBy(() -> nimbusVerify(jwks, server.config().issuer(), tampered))
        .isInstanceOf(Exception.class);
  }

  @Test
  @DisplayName("ES256: an all-zero signature (CVE-2022-21449, \"psychic signature\") is rejected with 401")
  void psychicSignatureRejected() {
    TestServer server = servers.get(SigningAlgorithm.ES256);
    String token = server.accessToken("admin", TestServer.ADMIN_PASSWORD);
    String[] parts = token.split("\\.");
    String zeroSigned = parts[0] + "." + parts[1] + "." + Jwts.b64(new byte[64]);
    JsonObject forgedPayload = Jwts.part(token, 1).put("sub", "someone-else");
    String zeroSignedForgery = parts[0] + "." + Jwts.b64(forgedPayload.encode()) + "." + Jwts.b64(new byte[64]);

    assertThat(server.getResource("/api/me", zeroSigned).statusCode()).isEqualTo(401);
    assertThat(server.getResource("/api/me", zeroSignedForgery).statusCode()).isEqualTo(401);
    assertThat(server.getResource("/api/me", token).statusCode()).isEqualTo(200);
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
    AppConfig es256 = AppConfig.from(TestServer.baseSettings()
        .put("PG_URI", pgUri)
        .put("KEYS_DIR", keysDir.toString())
        .put("SIGNING_ALG", "ES256")
        .put("AUTH_HTTP_PORT", authPort)
        .put("RESOURCE_HTTP_PORT", resourcePort));
    Vertx vertx = Vertx.vertx();
    WebClient client = WebClient.create(vertx);
    try (App app = App.start(es256, clock, false)) {
      var oldMe = client.get(resourcePort, "127.0.0.1", "/api/me")
          .bearerTokenAuthentication(rsToken).send().await();
      assertThat(oldMe.statusCode()).isEqualTo(200);
      assertThat(oldMe.bodyAsJsonObject().getString("username")).isEqualTo("admin");

      var login = client.post(authPort, "127.0.0.1", "/auth/login")
          .sendJsonObject(new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)).await();
      assertThat(login.statusCode()).isEqualTo(200);
      String esToken = login.bodyAsJsonObject().getString("access_token");
      JsonObject header = Jwts.part(esToken, 0);
      assertThat(header.getString("alg")).isEqualTo("ES256");
      assertThat(header.getString("kid")).isNotEqualTo(rsKid);
      assertThat(client.get(resourcePort, "127.0.0.1", "/api/me").bearerTokenAuthentication(esToken).send().await()
          .statusCode()).isEqualTo(200);

      JsonObject jwks = client.get(authPort, "127.0.0.1", "/.well-known/jwks.json").send().await().bodyAsJsonObject();
      assertJwkShape(key(jwks, rsKid), SigningAlgorithm.RS256);
      assertJwkShape(key(jwks, header.getString("kid")), SigningAlgorithm.ES256);
      assertThat(nimbusVerify(jwks.encode(), es256.issuer(), rsToken).getStringClaim("username")).isEqualTo("admin");
      assertThat(nimbusVerify(jwks.encode(), es256.issuer(), esToken).getStringClaim("username")).isEqualTo("admin");
    } finally {
      vertx.close().await();
    }
  }
}
