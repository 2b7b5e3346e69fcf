package example.resourceserver;

import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtTypeValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;

import java.time.Duration;
import java.util.List;

/**
 * A Spring Security resource server (6.5, Spring Boot 3.5) trusting jwt-auth-server's access tokens.
 *
 * <p>With {@code spring.security.oauth2.resourceserver.jwt.issuer-uri} (see application.yml) alone,
 * Spring builds {@code JwtDecoders.fromIssuerLocation(issuer)}: discovery, JWKS, signature, iss and
 * exp, but Nimbus's header check accepts only {@code typ: JWT}, so it rejects our RFC 9068 access
 * tokens ({@code typ: at+jwt}), and nothing checks {@code aud}. Declare this decoder as the bean:
 *
 * <pre>{@code
 * @Bean
 * JwtDecoder jwtDecoder(@Value("${spring.security.oauth2.resourceserver.jwt.issuer-uri}") String issuer) {
 *   return AccessTokenDecoder.forIssuer(issuer, "api");
 * }
 *
 * @Bean
 * SecurityFilterChain api(HttpSecurity http) throws Exception {
 *   return http.authorizeHttpRequests(a -> a.anyRequest().authenticated())
 *       .oauth2ResourceServer(o -> o.jwt(Customizer.withDefaults())).build();
 * }
 * }</pre>
 *
 * <p>CAVEAT: this cannot see revocations. A token revoked by logout (or a disabled client) stays
 * valid here until it expires (15 min by default). For live revocation use the Vert.x library
 * (dev.jwtauth:jwt-auth-verifier), which follows the server's revocation feed, or POST
 * /oauth2/introspect where a request must not outlive a logout. SpringSnippetTest runs this class.
 */
public final class AccessTokenDecoder {
  private AccessTokenDecoder() {
  }

  /** The decoder for tokens of {@code issuer} (exactly their {@code iss}) meant for {@code audience}. */
  public static JwtDecoder forIssuer(String issuer, String audience) {
    NimbusJwtDecoder decoder = NimbusJwtDecoder.withIssuerLocation(issuer) // discovery -> jwks_uri, its algorithms
        .validateType(false)                                                 // typ is checked below instead
        .build();
    OAuth2TokenValidator<Jwt> accessToken = new DelegatingOAuth2TokenValidator<>(
        new JwtTimestampValidator(Duration.ofSeconds(30)),                  // exp, nbf with 30 s leeway
        new JwtIssuerValidator(issuer),
        new JwtTypeValidator("at+jwt"),                                      // RFC 9068 access tokens only
        new JwtClaimValidator<List<String>>("aud", aud -> aud != null && aud.contains(audience)));
    decoder.setJwtValidator(accessToken);
    return decoder;
  }
}
