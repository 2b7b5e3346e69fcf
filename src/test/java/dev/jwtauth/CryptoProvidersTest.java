package dev.jwtauth;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.keys.CryptoProvider;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;

import static dev.jwtauth.testsupport.AuthClient.Origin.AUTH;
import static dev.jwtauth.testsupport.NimbusVerifier.verify;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("CRYPTO_PROVIDER: the JDK and the native provider (AWS-LC) put the same standard tokens on the wire")
class CryptoProvidersTest {
  /** An Ed25519 SubjectPublicKeyInfo is this fixed prefix followed by the 32-byte key (RFC 8410). */
  private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  @ParameterizedTest(name = "CRYPTO_PROVIDER={0}")
  @ValueSource(strings = {"jca", "native"})
  @DisplayName("under each provider, RS256, PS256, ES256 and EdDSA tokens pass /api/me, fail when tampered, and verify with Nimbus and with the JDK's own providers; /ready and /metrics name the provider")
  void everyAlgorithmUnderEachProvider(String mode) throws Exception {
    for (SigningAlgorithm alg : SigningAlgorithm.values()) {
      try (TestServer server = TestServer.start(Map.of("CRYPTO_PROVIDER", mode, "SIGNING_ALG", alg.name()))) {
        AuthClient http = server.http();
        String expected = mode.equals("native") ? CryptoProvider.NATIVE_NAME : "JCA";

        JsonObject ready = http.get(AUTH, "/ready").bodyAsJsonObject();
        JsonObject crypto = ready.getJsonArray("checks").stream().map(JsonObject.class::cast)
            .filter(c -> "crypto".equals(c.getString("id"))).findFirst().orElseThrow();
        assertThat(crypto.getString("status")).isEqualTo("UP");
        assertThat(crypto.getJsonObject("data").getString("provider")).isEqualTo(expected);
        // /metrics is on the management server (MANAGEMENT_HTTP_PORT)
        assertThat(http.web().get(server.managementPort(), "127.0.0.1", "/metrics").send().await().bodyAsString())
            .contains("jwt_crypto_provider{provider=\"" + expected + "\"");
        // what vertx-auth-jwt's Signature.getInstance(alg) sees: ACCP first in native mode, absent in jca mode
        if (mode.equals("native")) {
          assertThat(Security.getProviders()[0].getName()).isEqualTo(CryptoProvider.NATIVE_NAME);
          assertThat(alg.newSignature().getProvider().getName()).isEqualTo(CryptoProvider.NATIVE_NAME);
        } else {
          assertThat(Security.getProvider(CryptoProvider.NATIVE_NAME)).isNull();
          assertThat(alg.newSignature().getProvider().getName()).isIn("SunRsaSign", "SunEC");
        }

        String token = server.adminToken();
        assertThat(Jwts.part(token, 0).getString("alg")).isEqualTo(alg.name());
        assertThat(http.me(token).statusCode()).isEqualTo(200);
        String[] parts = token.split("\\.");
        String tampered = parts[0] + "." + Jwts.b64(Jwts.part(token, 1).put("roles", new JsonArray().add("root")).encode())
            + "." + parts[2];
        assertThat(http.me(tampered).statusCode()).isEqualTo(401);

        JsonObject jwks = http.jwks().bodyAsJsonObject();
        JWTClaimsSet claims = verify(jwks.encode(), server.config().issuer(), token);
        assertThat(claims.getStringClaim("username")).isEqualTo("admin");
        JsonObject jwk = jwks.getJsonArray("keys").stream().map(JsonObject.class::cast)
            .filter(k -> k.getString("kid").equals(Jwts.part(token, 0).getString("kid"))).findFirst().orElseThrow();
        assertThat(jdkVerifies(alg, jwk, token)).as("the JDK's own provider verifies the " + alg + " signature").isTrue();
        assertThat(jdkVerifies(alg, jwk, tampered)).isFalse();
      }
    }
  }

  @Test
  @DisplayName("an unknown CRYPTO_PROVIDER stops start-up with one sentence naming the setting")
  void badValue() {
    JsonObject settings = TestServer.baseSettings().put("CRYPTO_PROVIDER", "openssl");
    assertThatThrownBy(() -> AppConfig.from(settings)).isInstanceOf(ConfigException.class)
        .hasMessage("CRYPTO_PROVIDER must be one of auto, jca, native, not 'openssl'.");
  }

  /** Verifies a token's signature with the JDK's SunRsaSign / SunEC, whatever provider is first in the JCA. */
  private static boolean jdkVerifies(SigningAlgorithm alg, JsonObject jwk, String token) throws Exception {
    int dot = token.lastIndexOf('.');
    byte[] input = token.substring(0, dot).getBytes(StandardCharsets.US_ASCII);
    byte[] sig = Base64.getUrlDecoder().decode(token.substring(dot + 1));
    Signature s;
    PublicKey key;
    switch (alg) {
      case RS256, PS256 -> {
        key = KeyFactory.getInstance("RSA", "SunRsaSign").generatePublic(
            new X509EncodedKeySpec(RSAKey.parse(jwk.encode()).toRSAPublicKey().getEncoded()));
        s = Signature.getInstance(alg == SigningAlgorithm.RS256 ? "SHA256withRSA" : "RSASSA-PSS", "SunRsaSign");
        if (alg == SigningAlgorithm.PS256) {
          s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        }
      }
      case ES256 -> {
        key = KeyFactory.getInstance("EC", "SunEC").generatePublic(
            new X509EncodedKeySpec(ECKey.parse(jwk.encode()).toECPublicKey().getEncoded()));
        s = Signature.getInstance("SHA256withECDSAinP1363Format", "SunEC");
      }
      case EdDSA -> {
        byte[] x = Base64.getUrlDecoder().decode(jwk.getString("x"));
        byte[] spki = new byte[ED25519_SPKI_PREFIX.length + x.length];
        System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
        System.arraycopy(x, 0, spki, ED25519_SPKI_PREFIX.length, x.length);
        key = KeyFactory.getInstance("Ed25519", "SunEC").generatePublic(new X509EncodedKeySpec(spki));
        s = Signature.getInstance("Ed25519", "SunEC");
      }
      default -> throw new AssertionError(alg);
    }
    s.initVerify(key);
    s.update(input);
    return s.verify(sig);
  }
}
