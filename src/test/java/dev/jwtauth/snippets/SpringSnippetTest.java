package dev.jwtauth.snippets;

import dev.jwtauth.keys.KeyEntry;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.TestServer;
import dev.jwtauth.testsupport.TestUser;
import example.resourceserver.AccessTokenDecoder;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoders;
import org.springframework.security.oauth2.jwt.JwtException;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The README's Spring Security snippet ({@code snippets/spring/AccessTokenDecoder.java}, compiled
 * with the tests) against a real server: Spring Security 6.5's {@code NimbusJwtDecoder} from the
 * issuer's URL, as {@code spring.security.oauth2.resourceserver.jwt.issuer-uri} builds it, plus the
 * validators for RFC 9068 access tokens.
 */
@DisplayName("Spring Security resource server (issuer-uri): the snippet's decoder accepts our access tokens and rejects forged ones")
class SpringSnippetTest {
  private static TestServer auth;
  private static String issuer;

  @BeforeAll
  static void start() {
    int port = TestServer.freePort();
    issuer = "http://127.0.0.1:" + port;
    auth = TestServer.start(Map.of("ISSUER", issuer), port, 0);
  }

  @AfterAll
  static void stop() {
    auth.close();
  }

  private static String resigned(String token, java.util.function.Consumer<JsonObject> header, java.util.function.Consumer<JsonObject> claims) {
    KeyEntry key = auth.keys().active();
    JsonObject h = Jwts.part(token, 0);
    JsonObject c = Jwts.part(token, 1);
    header.accept(h);
    claims.accept(c);
    return Jwts.sign(h, c, key.alg(), key.privateKey());
  }

  @Test
  @DisplayName("A fresh access token decodes, with its subject, roles and typ at+jwt")
  void accepts() {
    TestUser user = auth.newUser("spring");
    String token = auth.http().accessToken(user.name(), user.password());
    Jwt jwt = AccessTokenDecoder.forIssuer(issuer, "api").decode(token);
    assertThat(jwt.getSubject()).isEqualTo(Jwts.part(token, 1).getString("sub"));
    assertThat(jwt.getClaimAsStringList("roles")).containsExactlyElementsOf(
        Jwts.part(token, 1).getJsonArray("roles").getList());
    assertThat(jwt.getHeaders()).containsEntry("typ", "at+jwt");
    assertThat(jwt.getIssuer().toString()).isEqualTo(issuer);
  }

  @Test
  @DisplayName("A tampered signature, typ JWT, another audience, another issuer or an expired token is rejected")
  void rejects() {
    TestUser user = auth.newUser("spring-bad");
    String token = auth.http().accessToken(user.name(), user.password());
    JwtDecoder decoder = AccessTokenDecoder.forIssuer(issuer, "api");
    int dot = token.lastIndexOf('.');
    String tampered = token.substring(0, dot + 1) + (token.charAt(dot + 1) == 'A' ? 'B' : 'A') + token.substring(dot + 2);
    assertThatThrownBy(() -> decoder.decode(tampered)).isInstanceOf(JwtException.class);
    // properly signed by the server's own key, but not an access token / not for us / not from it
    assertThat(decoder.decode(resigned(token, h -> { }, c -> { })).getSubject()).isNotNull();
    assertThatThrownBy(() -> decoder.decode(resigned(token, h -> h.put("typ", "JWT"), c -> { })))
        .isInstanceOf(JwtException.class).hasMessageContaining("typ");
    assertThatThrownBy(() -> decoder.decode(resigned(token, h -> { }, c -> c.put("aud", "another-api"))))
        .isInstanceOf(JwtException.class).hasMessageContaining("aud");
    assertThatThrownBy(() -> decoder.decode(resigned(token, h -> { }, c -> c.put("iss", "https://evil.example"))))
        .isInstanceOf(JwtException.class);
    long past = System.currentTimeMillis() / 1000 - 120;
    assertThatThrownBy(() -> decoder.decode(resigned(token, h -> { }, c -> c.put("iat", past - 60).put("exp", past))))
        .isInstanceOf(JwtException.class);
    assertThatThrownBy(() -> AccessTokenDecoder.forIssuer(issuer, "another-api").decode(token)).isInstanceOf(JwtException.class);
  }

  @Test
  @DisplayName("issuer-uri alone (JwtDecoders.fromIssuerLocation) rejects typ at+jwt in Spring Security 6.5: the snippet's bean is needed")
  void issuerUriAloneRejectsAccessTokens() {
    TestUser user = auth.newUser("spring-plain");
    String token = auth.http().accessToken(user.name(), user.password());
    JwtDecoder plain = JwtDecoders.fromIssuerLocation(issuer);
    assertThatThrownBy(() -> plain.decode(token)).isInstanceOf(JwtException.class).hasMessageContaining("typ");
  }

  @Test
  @DisplayName("Without the revocation feed it cannot see revocations: a logged-out token still decodes (the README's caveat)")
  void revocationNotSeen() {
    TestUser user = auth.newUser("spring-revoked");
    String token = auth.http().accessToken(user.name(), user.password());
    assertThat(auth.http().logout(token, null).statusCode()).isEqualTo(204);
    assertThat(auth.http().me(token).statusCode()).isEqualTo(401);
    assertThat(AccessTokenDecoder.forIssuer(issuer, "api").decode(token).getSubject()).isNotNull();
  }
}
