package dev.jwtauth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(VertxExtension.class)
@DisplayName("Tokens and the JWKS are standard: an independent JOSE library (Nimbus) verifies them")
class JoseInteropTest {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static DefaultJWTProcessor<SecurityContext> processorFor(String jwksJson, String issuer) throws Exception {
    JWKSet set = JWKSet.parse(jwksJson);
    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt")));
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(
        Set.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.EdDSA), new ImmutableJWKSet<>(set)));
    processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>("api",
        new JWTClaimsSet.Builder().issuer(issuer).build(),
        Set.of("sub", "exp", "iat", "jti", "sid", "roles", "username")));
    return processor;
  }

  @Test
  @DisplayName("a login token verifies against the key taken from /.well-known/jwks.json")
  void nimbusVerifiesLoginToken() throws Exception {
    String token = server.accessToken("admin", TestServer.ADMIN_PASSWORD);
    String jwks = server.client.get(server.authPort(), "127.0.0.1", "/.well-known/jwks.json").send().await().bodyAsString();

    JWTClaimsSet claims = processorFor(jwks, server.config().issuer()).process(token, null);

    assertThat(claims.getStringClaim("username")).isEqualTo("admin");
    assertThat(claims.getStringListClaim("roles")).containsExactly("admin");
    assertThat(claims.getAudience()).containsExactly("api");
  }

  @Test
  @DisplayName("Nimbus rejects the same token once one payload byte is changed")
  void nimbusRejectsTampered() throws Exception {
    String token = server.accessToken("admin", TestServer.ADMIN_PASSWORD);
    String jwks = server.client.get(server.authPort(), "127.0.0.1", "/.well-known/jwks.json").send().await().bodyAsString();
    String[] parts = token.split("\\.");
    char c = parts[1].charAt(10);
    parts[1] = parts[1].substring(0, 10) + (c == 'A' ? 'B' : 'A') + parts[1].substring(11);
    String tampered = String.join(".", parts);

    assertThatThrownBy(() -> processorFor(jwks, server.config().issuer()).process(tampered, null))
        .isInstanceOf(Exception.class);
  }
}
