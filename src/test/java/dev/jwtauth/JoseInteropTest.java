package dev.jwtauth;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.jwtauth.testsupport.ServerExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static dev.jwtauth.testsupport.NimbusVerifier.processorFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Tokens and the JWKS are standard: an independent JOSE library (Nimbus) verifies them")
class JoseInteropTest {
  @RegisterExtension
  static final ServerExtension server = ServerExtension.create();

  @Test
  @DisplayName("a login token verifies against the key taken from /.well-known/jwks.json")
  void nimbusVerifiesLoginToken() throws Exception {
    String token = server.adminToken();
    String jwks = server.http().jwks().bodyAsString();

    JWTClaimsSet claims = processorFor(jwks, server.config().issuer()).process(token, null);

    assertThat(claims.getStringClaim("username")).isEqualTo("admin");
    assertThat(claims.getStringListClaim("roles")).containsExactly("admin");
    assertThat(claims.getAudience()).containsExactly("api");
  }

  @Test
  @DisplayName("Nimbus rejects the same token once one payload byte is changed")
  void nimbusRejectsTampered() throws Exception {
    String token = server.adminToken();
    String jwks = server.http().jwks().bodyAsString();
    String[] parts = token.split("\\.");
    char c = parts[1].charAt(10);
    parts[1] = parts[1].substring(0, 10) + (c == 'A' ? 'B' : 'A') + parts[1].substring(11);
    String tampered = String.join(".", parts);

    assertThatThrownBy(() -> processorFor(jwks, server.config().issuer()).process(tampered, null))
        .isInstanceOf(Exception.class);
  }
}
