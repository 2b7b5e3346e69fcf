package dev.jwtauth.oidc;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.CodeFlow;
import dev.jwtauth.testsupport.ServerExtension;
import dev.jwtauth.testsupport.TestUser;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.oauth2.OAuth2Auth;
import io.vertx.ext.auth.oauth2.OAuth2AuthorizationURL;
import io.vertx.ext.auth.oauth2.OAuth2FlowType;
import io.vertx.ext.auth.oauth2.OAuth2Options;
import io.vertx.ext.auth.oauth2.Oauth2Credentials;
import io.vertx.ext.auth.oauth2.providers.OpenIDConnectAuth;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Real OpenID Connect clients, not hand-rolled ones: vertx-auth-oauth2 configured from our
 * discovery document runs the code flow with PKCE and the refresh (the sign-in page driven like a
 * browser), and Nimbus validates the ID token against our JWKS.
 */
@DisplayName("OIDC client libraries: vertx-auth-oauth2 from discovery does code + PKCE + refresh; Nimbus validates the ID token")
class OidcClientLibrariesTest {
  static final String CALLBACK = "http://127.0.0.1:9/callback";

  @RegisterExtension
  static final ServerExtension server = ServerExtension.withPorts(p -> Map.of("ISSUER", "http://127.0.0.1:" + p.auth()));
  static String issuer;
  static String secret;
  static Vertx vertx;
  static CodeFlow browser;

  @BeforeAll
  static void setUp() {
    issuer = "http://127.0.0.1:" + server.authPort();
    String admin = server.server().adminToken();
    secret = AuthClient.ok(server.http().post("/admin/clients", admin, new JsonObject().put("client_id", "lib-app")
        .put("scope", "openid profile").put("redirect_uris", new JsonArray().add(CALLBACK))), 201, "client")
        .bodyAsJsonObject().getString("client_secret");
    AuthClient.ok(server.http().post("/admin/clients", admin, new JsonObject().put("client_id", "lib-spa")
        .put("scope", "openid profile").put("redirect_uris", new JsonArray().add(CALLBACK))
        .put("token_endpoint_auth_method", "none")), 201, "public client");
    vertx = Vertx.vertx();
    browser = new CodeFlow(server.server().client, server.authPort());
  }

  @AfterAll
  static void tearDown() {
    vertx.close().await();
  }

  /** Runs the browser part: the library's authorization URL, the sign-in page, the 303; answers the code. */
  static String browserSignIn(OAuth2Auth oauth2, TestUser user, String state, String verifier, String nonce) {
    String url = oauth2.authorizeURL(new OAuth2AuthorizationURL().setRedirectUri(CALLBACK)
        .setScopes(List.of("openid", "profile")).setState(state).setCodeChallenge(CodeFlow.challenge(verifier))
        .setCodeChallengeMethod("S256").putAdditionalParameter("nonce", nonce));
    assertThat(url).startsWith(issuer + "/oauth2/authorize?");
    var page = browser.get(url, null);
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    var redirect = browser.signIn(page, user.name(), user.password());
    assertThat(redirect.statusCode()).isEqualTo(303);
    Map<String, String> q = CodeFlow.query(redirect.getHeader("Location"));
    assertThat(q.get("state")).isEqualTo(state);
    assertThat(q.get("iss")).isEqualTo(issuer);
    return q.get("code");
  }

  @Test
  @DisplayName("A confidential client: discovery, code + PKCE, userinfo and refresh through OAuth2Auth")
  void vertxConfidential() throws Exception {
    OAuth2Auth oauth2 = OpenIDConnectAuth.discover(vertx, new OAuth2Options().setSite(issuer)
        .setClientId("lib-app").setClientSecret(secret)).await();
    TestUser user = server.server().newUser("lib");
    String verifier = CodeFlow.verifier();
    String code = browserSignIn(oauth2, user, "s-" + verifier.substring(0, 6), verifier, "nonce-1");

    User signedIn = oauth2.authenticate(new Oauth2Credentials().setFlow(OAuth2FlowType.AUTH_CODE).setCode(code)
        .setRedirectUri(CALLBACK).setCodeVerifier(verifier)).await();
    JsonObject principal = signedIn.principal();
    assertThat(principal.getString("access_token")).isNotBlank();
    assertThat(principal.getString("refresh_token")).isNotBlank();
    String idToken = principal.getString("id_token");
    assertThat(idToken).isNotBlank();
    assertThat(server.http().me(principal.getString("access_token")).statusCode()).isEqualTo(200);

    JsonObject info = oauth2.userInfo(signedIn).await();
    assertThat(info.getString("preferred_username")).isEqualTo(user.name());

    User refreshed = oauth2.refresh(signedIn).await();
    assertThat(refreshed.principal().getString("access_token")).isNotEqualTo(principal.getString("access_token"));
    assertThat(refreshed.principal().getString("refresh_token")).isNotEqualTo(principal.getString("refresh_token"));
    assertThat(server.http().me(refreshed.principal().getString("access_token")).statusCode()).isEqualTo(200);

    JWTClaimsSet claims = nimbus("lib-app", "nonce-1").process(idToken, null);
    assertThat(claims.getSubject()).isEqualTo(info.getString("sub"));
    assertThat(claims.getAudience()).containsExactly("lib-app");
    assertThat(claims.getStringClaim("nonce")).isEqualTo("nonce-1");
    assertThat(claims.getStringListClaim("amr")).containsExactly("pwd");
    assertThatThrownBy(() -> nimbus("someone-else", "nonce-1").process(idToken, null))
        .as("the ID token is for lib-app only").isInstanceOf(BadJWTException.class);
  }

  @Test
  @DisplayName("A public client (no secret): discovery, code + PKCE and a rotating refresh through OAuth2Auth")
  void vertxPublic() {
    OAuth2Auth oauth2 = OpenIDConnectAuth.discover(vertx, new OAuth2Options().setSite(issuer).setClientId("lib-spa")).await();
    String verifier = CodeFlow.verifier();
    String code = browserSignIn(oauth2, server.server().newUser("libpub"), "p-" + verifier.substring(0, 6), verifier, "n2");
    User signedIn = oauth2.authenticate(new Oauth2Credentials().setFlow(OAuth2FlowType.AUTH_CODE).setCode(code)
        .setRedirectUri(CALLBACK).setCodeVerifier(verifier)).await();
    String firstRefresh = signedIn.principal().getString("refresh_token");
    User refreshed = oauth2.refresh(signedIn).await();
    assertThat(refreshed.principal().getString("refresh_token")).isNotEqualTo(firstRefresh);
    assertThat(server.http().me(refreshed.principal().getString("access_token")).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("The library's token request with a wrong code_verifier fails")
  void vertxWrongVerifier() {
    OAuth2Auth oauth2 = OpenIDConnectAuth.discover(vertx, new OAuth2Options().setSite(issuer)
        .setClientId("lib-app").setClientSecret(secret)).await();
    String verifier = CodeFlow.verifier();
    String code = browserSignIn(oauth2, server.server().newUser("libbad"), "w", verifier, "n3");
    assertThatThrownBy(() -> oauth2.authenticate(new Oauth2Credentials().setFlow(OAuth2FlowType.AUTH_CODE)
        .setCode(code).setRedirectUri(CALLBACK).setCodeVerifier(CodeFlow.verifier())).await())
        .hasMessageContaining("invalid_grant");
  }

  /** Nimbus's processor for our ID tokens: the published keys, typ JWT, our issuer, this audience and nonce. */
  static DefaultJWTProcessor<SecurityContext> nimbus(String audience, String nonce) throws Exception {
    String jwks = server.http().jwks().bodyAsString();
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT));
    p.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256),
        new ImmutableJWKSet<>(JWKSet.parse(jwks))));
    p.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(audience,
        new JWTClaimsSet.Builder().issuer(issuer).claim("nonce", nonce).build(),
        Set.of("sub", "exp", "iat", "auth_time", "at_hash", "sid", "azp")));
    return p;
  }
}
