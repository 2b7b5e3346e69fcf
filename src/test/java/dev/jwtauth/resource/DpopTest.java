package dev.jwtauth.resource;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.testsupport.AuthClient.Origin;
import dev.jwtauth.testsupport.DpopKey;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.ServerExtension;
import dev.jwtauth.testsupport.TestUser;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.security.KeyPair;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("DPoP (RFC 9449): tokens bound to the client's key, proofs made by Nimbus's DPoP factory")
class DpopTest {
  @RegisterExtension
  static final ServerExtension server = ServerExtension.create();

  // ---- helpers: the URLs a client addresses, and requests with a DPoP header ----

  private static String authUrl(String path) {
    return "http://127.0.0.1:" + server.authPort() + path;
  }

  private static String resourceUrl(String path) {
    return "http://127.0.0.1:" + server.resourcePort() + path;
  }

  private static TestUser user() {
    return server.newUser("dpop", "user");
  }

  /** POST /auth/login with a DPoP header (none when null). */
  private static HttpResponse<Buffer> login(TestUser user, String proof) {
    var req = server.http().request(HttpMethod.POST, Origin.AUTH, "/auth/login");
    if (proof != null) {
      req.putHeader("DPoP", proof);
    }
    return req.sendJsonObject(new JsonObject().put("username", user.name()).put("password", user.password())).await();
  }

  /** Logs in with a proof by {@code key}: the token response. */
  private static JsonObject boundLogin(TestUser user, DpopKey key) {
    var res = login(user, key.proof("POST", authUrl("/auth/login")));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    return res.bodyAsJsonObject();
  }

  private static HttpResponse<Buffer> refresh(String refreshToken, String proof) {
    var req = server.http().request(HttpMethod.POST, Origin.AUTH, "/auth/refresh");
    if (proof != null) {
      req.putHeader("DPoP", proof);
    }
    return req.sendJsonObject(new JsonObject().put("refresh_token", refreshToken)).await();
  }

  private static HttpResponse<Buffer> tokenEndpoint(Map<String, String> form, String proof, String basic) {
    var req = server.http().request(HttpMethod.POST, Origin.AUTH, "/oauth2/token");
    if (proof != null) {
      req.putHeader("DPoP", proof);
    }
    if (basic != null) {
      req.putHeader("Authorization", basic);
    }
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    form.forEach(m::add);
    return req.sendForm(m).await();
  }

  /** GET on the resource origin with {@code Authorization: <scheme> <token>} and a DPoP header (none when null). */
  private static HttpResponse<Buffer> resource(String path, String scheme, String token, String proof) {
    var req = server.http().request(HttpMethod.GET, Origin.RESOURCE, path).putHeader("Authorization", scheme + " " + token);
    if (proof != null) {
      req.putHeader("DPoP", proof);
    }
    return req.send().await();
  }

  /** GET /api/me the way a DPoP client does: DPoP scheme, fresh proof with ath. */
  private static HttpResponse<Buffer> me(String token, DpopKey key) {
    return resource("/api/me", "DPoP", token, key.proof("GET", resourceUrl("/api/me"), token, null));
  }

  private static JsonObject claims(String token) {
    return Jwts.part(token, 1);
  }

  private static void assertProofRefused(HttpResponse<Buffer> res) {
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(400);
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("invalid_dpop_proof");
  }

  private static void assertResourceRefused(HttpResponse<Buffer> res, String error) {
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(401);
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo(error);
    assertThat(res.getHeader("WWW-Authenticate")).startsWith("DPoP ")
        .contains("algs=\"ES256 EdDSA RS256 PS256\"").contains("error=\"" + error + "\"");
  }

  // ---- the round trip ----

  @Test
  @DisplayName("login with a proof gives token_type DPoP and cnf.jkt = the key's RFC 7638 thumbprint; /api/me, refresh and the token endpoint follow")
  void roundTrip() {
    DpopKey key = DpopKey.es256();
    JsonObject tokens = boundLogin(user(), key);
    assertThat(tokens.getString("token_type")).isEqualTo("DPoP");
    String access = tokens.getString("access_token");
    assertThat(claims(access).getJsonObject("cnf").getString("jkt")).isEqualTo(key.thumbprint());

    var me = me(access, key);
    assertThat(me.statusCode()).as(me.bodyAsString()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getString("sub")).isEqualTo(claims(access).getString("sub"));

    var refreshed = refresh(tokens.getString("refresh_token"), key.proof("POST", authUrl("/auth/refresh")));
    assertThat(refreshed.statusCode()).as(refreshed.bodyAsString()).isEqualTo(200);
    assertThat(refreshed.bodyAsJsonObject().getString("token_type")).isEqualTo("DPoP");
    String access2 = refreshed.bodyAsJsonObject().getString("access_token");
    assertThat(claims(access2).getJsonObject("cnf").getString("jkt")).isEqualTo(key.thumbprint());
    assertThat(me(access2, key).statusCode()).isEqualTo(200);

    var viaOAuth = tokenEndpoint(Map.of("grant_type", "refresh_token",
        "refresh_token", refreshed.bodyAsJsonObject().getString("refresh_token")),
        key.proof("POST", authUrl("/oauth2/token")), null);
    assertThat(viaOAuth.statusCode()).as(viaOAuth.bodyAsString()).isEqualTo(200);
    assertThat(viaOAuth.bodyAsJsonObject().getString("token_type")).isEqualTo("DPoP");
    assertThat(me(viaOAuth.bodyAsJsonObject().getString("access_token"), key).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a proof naming the endpoint under ISSUER (the URL discovery advertises) is accepted too")
  void issuerUrlAccepted() {
    DpopKey key = DpopKey.es256();
    String issuer = server.config().issuer();
    var res = login(user(), key.proof("POST", issuer + "/auth/login"));
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().getString("token_type")).isEqualTo("DPoP");
  }

  @Test
  @DisplayName("without a proof nothing changes: token_type Bearer, no cnf, Bearer at /api/me")
  void noProofIsBearer() {
    var res = login(user(), null);
    assertThat(res.bodyAsJsonObject().getString("token_type")).isEqualTo("Bearer");
    String access = res.bodyAsJsonObject().getString("access_token");
    assertThat(claims(access).containsKey("cnf")).isFalse();
    assertThat(server.http().me(access).statusCode()).isEqualTo(200);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"ES256", "EdDSA", "RS256", "PS256"})
  @DisplayName("proof keys of each algorithm are accepted: ES256, EdDSA (Ed25519), RS256, PS256")
  void everyAlgorithm(String alg) {
    DpopKey key = DpopKey.generate(alg);
    JsonObject tokens = boundLogin(user(), key);
    String access = tokens.getString("access_token");
    assertThat(claims(access).getJsonObject("cnf").getString("jkt")).isEqualTo(key.thumbprint());
    assertThat(me(access, key).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("client_credentials with a proof issues a DPoP-bound client token")
  void clientCredentials() {
    String clientId = "dpop-" + UUID.randomUUID().toString().substring(0, 8);
    String secret = server.server().createClient(clientId, List.of(), List.of("reports:read"));
    DpopKey key = DpopKey.es256();
    String basic = "Basic " + java.util.Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes());
    var res = tokenEndpoint(Map.of("grant_type", "client_credentials"), key.proof("POST", authUrl("/oauth2/token")), basic);
    assertThat(res.statusCode()).as(res.bodyAsString()).isEqualTo(200);
    assertThat(res.bodyAsJsonObject().getString("token_type")).isEqualTo("DPoP");
    String access = res.bodyAsJsonObject().getString("access_token");
    var reports = resource("/api/reports", "DPoP", access, key.proof("GET", resourceUrl("/api/reports"), access, null));
    assertThat(reports.statusCode()).as(reports.bodyAsString()).isEqualTo(200);
    assertResourceRefused(resource("/api/reports", "Bearer", access, null), "invalid_token");
  }

  @Test
  @DisplayName("discovery advertises dpop_signing_alg_values_supported")
  void discovery() {
    var doc = server.http().get(Origin.AUTH, "/.well-known/openid-configuration").bodyAsJsonObject();
    assertThat(doc.getJsonArray("dpop_signing_alg_values_supported").getList())
        .containsExactlyInAnyOrder("ES256", "EdDSA", "RS256", "PS256");
  }

  @Test
  @DisplayName("introspection shows a bound token as token_type DPoP with its cnf")
  void introspection() {
    String clientId = "intro-" + UUID.randomUUID().toString().substring(0, 8);
    String secret = server.server().createClient(clientId, List.of(), List.of());
    DpopKey key = DpopKey.es256();
    String access = boundLogin(user(), key).getString("access_token");
    var res = server.http().postForm("/oauth2/introspect", null,
        Map.of("token", access, "client_id", clientId, "client_secret", secret));
    assertThat(res.bodyAsJsonObject().getBoolean("active")).isTrue();
    assertThat(res.bodyAsJsonObject().getString("token_type")).isEqualTo("DPoP");
    assertThat(res.bodyAsJsonObject().getJsonObject("cnf").getString("jkt")).isEqualTo(key.thumbprint());
  }

  // ---- attacks on the token side ----

  @Test
  @DisplayName("a proof for another method or another URL is refused at the token endpoint (400 invalid_dpop_proof)")
  void wrongMethodOrUrlAtLogin() {
    DpopKey key = DpopKey.es256();
    assertProofRefused(login(user(), key.proof("GET", authUrl("/auth/login"))));
    assertProofRefused(login(user(), key.proof("POST", authUrl("/auth/refresh"))));
    assertProofRefused(login(user(), key.proof("POST", "http://127.0.0.1:1/auth/login")));
  }

  @Test
  @DisplayName("a proof whose iat is older than DPOP_PROOF_WINDOW, or in the future beyond the leeway, is refused")
  void iatWindow() {
    DpopKey key = DpopKey.es256();
    long now = System.currentTimeMillis();
    assertProofRefused(login(user(), key.proofAt("POST", authUrl("/auth/login"), null, UUID.randomUUID().toString(),
        new Date(now - 120_000))));
    assertProofRefused(login(user(), key.proofAt("POST", authUrl("/auth/login"), null, UUID.randomUUID().toString(),
        new Date(now + 120_000))));
    var inWindow = login(user(), key.proofAt("POST", authUrl("/auth/login"), null, UUID.randomUUID().toString(),
        new Date(now - 20_000)));
    assertThat(inWindow.statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a proof presented twice (same jti) is refused the second time")
  void replayAtTokenEndpoint() {
    DpopKey key = DpopKey.es256();
    TestUser u = user();
    String proof = key.proof("POST", authUrl("/auth/login"));
    assertThat(login(u, proof).statusCode()).isEqualTo(200);
    assertProofRefused(login(u, proof));
  }

  @Test
  @DisplayName("a proof sent with a wrong password, client secret or refresh token, or refused with a token bound to"
      + " another key, is not used up: the same proof then works once with the right one (nobody without a"
      + " credential fills the replay cache)")
  void proofUsedOnlyWithCredential() {
    DpopKey key = DpopKey.es256();
    TestUser u = user();
    String loginProof = key.proof("POST", authUrl("/auth/login"));
    var wrongPassword = server.http().request(HttpMethod.POST, Origin.AUTH, "/auth/login").putHeader("DPoP", loginProof)
        .sendJsonObject(new JsonObject().put("username", u.name()).put("password", u.password() + "x")).await();
    assertThat(wrongPassword.statusCode()).as(wrongPassword.bodyAsString()).isEqualTo(401);
    var signedIn = login(u, loginProof);
    assertThat(signedIn.statusCode()).as(signedIn.bodyAsString()).isEqualTo(200);
    assertThat(signedIn.bodyAsJsonObject().getString("token_type")).isEqualTo("DPoP");
    assertProofRefused(login(u, loginProof));

    String refreshProof = key.proof("POST", authUrl("/auth/refresh"));
    var unknown = refresh("no-such-refresh-token-" + UUID.randomUUID(), refreshProof);
    assertThat(unknown.statusCode()).as(unknown.bodyAsString()).isEqualTo(401);
    var refreshed = refresh(signedIn.bodyAsJsonObject().getString("refresh_token"), refreshProof);
    assertThat(refreshed.statusCode()).as(refreshed.bodyAsString()).isEqualTo(200);
    String next = refreshed.bodyAsJsonObject().getString("refresh_token");
    // a replayed proof with a valid token is refused before the rotation: the token stays usable
    assertProofRefused(refresh(next, refreshProof));
    var stillValid = refresh(next, key.proof("POST", authUrl("/auth/refresh")));
    assertThat(stillValid.statusCode()).as(stillValid.bodyAsString()).isEqualTo(200);

    // another key's proof with this session's token is refused (401), and stays usable with its own session
    DpopKey other = DpopKey.es256();
    String otherProof = other.proof("POST", authUrl("/auth/refresh"));
    var mismatch = refresh(stillValid.bodyAsJsonObject().getString("refresh_token"), otherProof);
    assertThat(mismatch.statusCode()).as(mismatch.bodyAsString()).isEqualTo(401);
    var ownSession = refresh(boundLogin(user(), other).getString("refresh_token"), otherProof);
    assertThat(ownSession.statusCode()).as(ownSession.bodyAsString()).isEqualTo(200);

    String clientId = "dpop-cred-" + UUID.randomUUID().toString().substring(0, 8);
    String secret = server.server().createClient(clientId, List.of(), List.of("reports:read"));
    String tokenProof = key.proof("POST", authUrl("/oauth2/token"));
    var wrongSecret = tokenEndpoint(Map.of("grant_type", "client_credentials"), tokenProof, basic(clientId, secret + "x"));
    assertThat(wrongSecret.statusCode()).as(wrongSecret.bodyAsString()).isEqualTo(401);
    var unknownRefresh = tokenEndpoint(Map.of("grant_type", "refresh_token", "refresh_token", "no-such-token"),
        tokenProof, null);
    assertThat(unknownRefresh.statusCode()).as(unknownRefresh.bodyAsString()).isEqualTo(400);
    var clientToken = tokenEndpoint(Map.of("grant_type", "client_credentials"), tokenProof, basic(clientId, secret));
    assertThat(clientToken.statusCode()).as(clientToken.bodyAsString()).isEqualTo(200);
    assertThat(clientToken.bodyAsJsonObject().getString("token_type")).isEqualTo("DPoP");
    assertProofRefused(tokenEndpoint(Map.of("grant_type", "client_credentials"), tokenProof, basic(clientId, secret)));
  }

  private static String basic(String clientId, String secret) {
    return "Basic " + java.util.Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes());
  }

  @Test
  @DisplayName("a proof carrying the private key in its jwk header is refused")
  void privateKeyInHeader() throws Exception {
    DpopKey key = DpopKey.es256();
    KeyPair pair = key.jwk().toECKey().toKeyPair();
    JsonObject header = new JsonObject().put("typ", "dpop+jwt").put("alg", "ES256")
        .put("jwk", new JsonObject(key.jwk().toJSONObject()));
    assertThat(header.getJsonObject("jwk").containsKey("d")).isTrue();
    String proof = Jwts.sign(header, proofClaims("POST", authUrl("/auth/login")), SigningAlgorithm.ES256, pair.getPrivate());
    assertProofRefused(login(user(), proof));
    // the same proof with the public key only is fine: the refusal is for the private part
    header.put("jwk", new JsonObject(key.jwk().toPublicJWK().toJSONObject()));
    String good = Jwts.sign(header, proofClaims("POST", authUrl("/auth/login")), SigningAlgorithm.ES256, pair.getPrivate());
    assertThat(login(user(), good).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("proofs with alg none or HS256 (a symmetric jwk) are refused")
  void noneAndHmac() {
    DpopKey key = DpopKey.es256();
    JsonObject pub = new JsonObject(key.jwk().toPublicJWK().toJSONObject());
    JsonObject claims = proofClaims("POST", authUrl("/auth/login"));
    String none = Jwts.b64(new JsonObject().put("typ", "dpop+jwt").put("alg", "none").put("jwk", pub).encode())
        + "." + Jwts.b64(claims.encode()) + ".";
    assertProofRefused(login(user(), none));
    byte[] secret = "a-shared-secret-of-32-bytes-long".getBytes();
    JsonObject oct = new JsonObject().put("kty", "oct").put("k", Jwts.b64(secret));
    String hs = Jwts.hs256(new JsonObject().put("typ", "dpop+jwt").put("alg", "HS256").put("jwk", oct),
        proofClaims("POST", authUrl("/auth/login")), secret);
    assertProofRefused(login(user(), hs));
    String hsWithPublic = Jwts.hs256(new JsonObject().put("typ", "dpop+jwt").put("alg", "HS256").put("jwk", pub),
        proofClaims("POST", authUrl("/auth/login")), secret);
    assertProofRefused(login(user(), hsWithPublic));
  }

  @Test
  @DisplayName("a proof without typ dpop+jwt, or signed by another key than its jwk, is refused")
  void typAndSignature() throws Exception {
    DpopKey key = DpopKey.es256();
    DpopKey other = DpopKey.es256();
    JsonObject pub = new JsonObject(key.jwk().toPublicJWK().toJSONObject());
    String jwtTyp = Jwts.sign(new JsonObject().put("typ", "JWT").put("alg", "ES256").put("jwk", pub),
        proofClaims("POST", authUrl("/auth/login")), SigningAlgorithm.ES256, key.jwk().toECKey().toPrivateKey());
    assertProofRefused(login(user(), jwtTyp));
    String wrongSigner = Jwts.sign(new JsonObject().put("typ", "dpop+jwt").put("alg", "ES256").put("jwk", pub),
        proofClaims("POST", authUrl("/auth/login")), SigningAlgorithm.ES256, other.jwk().toECKey().toPrivateKey());
    assertProofRefused(login(user(), wrongSigner));
  }

  @Test
  @DisplayName("a bound refresh token refreshed with another key's proof, or without a proof, is refused and stays usable by its key")
  void refreshNeedsTheSameKey() {
    DpopKey key = DpopKey.es256();
    DpopKey thief = DpopKey.es256();
    JsonObject tokens = boundLogin(user(), key);
    String refreshToken = tokens.getString("refresh_token");

    var otherKey = refresh(refreshToken, thief.proof("POST", authUrl("/auth/refresh")));
    assertThat(otherKey.statusCode()).isEqualTo(401);
    assertThat(otherKey.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
    var noProof = refresh(refreshToken, null);
    assertThat(noProof.statusCode()).isEqualTo(401);
    assertThat(noProof.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");
    var oauthOtherKey = tokenEndpoint(Map.of("grant_type", "refresh_token", "refresh_token", refreshToken),
        thief.proof("POST", authUrl("/oauth2/token")), null);
    assertThat(oauthOtherKey.statusCode()).isEqualTo(400);
    assertThat(oauthOtherKey.bodyAsJsonObject().getString("error")).isEqualTo("invalid_grant");

    // neither attempt consumed the token nor revoked the session
    var owner = refresh(refreshToken, key.proof("POST", authUrl("/auth/refresh")));
    assertThat(owner.statusCode()).as(owner.bodyAsString()).isEqualTo(200);
    assertThat(me(tokens.getString("access_token"), key).statusCode()).isEqualTo(200);
  }

  // ---- attacks on the resource side ----

  @Test
  @DisplayName("a DPoP-bound token presented as a Bearer token is refused with a DPoP challenge")
  void boundTokenAsBearer() {
    DpopKey key = DpopKey.es256();
    String access = boundLogin(user(), key).getString("access_token");
    assertResourceRefused(resource("/api/me", "Bearer", access, null), "invalid_token");
    // even with a valid proof attached
    assertResourceRefused(resource("/api/me", "Bearer", access, key.proof("GET", resourceUrl("/api/me"), access, null)),
        "invalid_token");
  }

  @Test
  @DisplayName("at /api/me: a proof for another method or URL, another key, a replayed jti or a wrong ath is refused")
  void resourceAttacks() {
    DpopKey key = DpopKey.es256();
    String access = boundLogin(user(), key).getString("access_token");
    String other = boundLogin(user(), key).getString("access_token");

    assertResourceRefused(resource("/api/me", "DPoP", access, key.proof("POST", resourceUrl("/api/me"), access, null)),
        "invalid_dpop_proof");
    assertResourceRefused(resource("/api/me", "DPoP", access, key.proof("GET", resourceUrl("/api/reports"), access, null)),
        "invalid_dpop_proof");
    assertResourceRefused(resource("/api/me", "DPoP", access, key.proof("GET", resourceUrl("/api/me"), other, null)),
        "invalid_dpop_proof");
    assertResourceRefused(resource("/api/me", "DPoP", access, DpopKey.es256().proof("GET", resourceUrl("/api/me"), access, null)),
        "invalid_token");
    assertResourceRefused(resource("/api/me", "DPoP", access, null), "invalid_token");

    String proof = key.proof("GET", resourceUrl("/api/me"), access, null);
    assertThat(resource("/api/me", "DPoP", access, proof).statusCode()).isEqualTo(200);
    assertResourceRefused(resource("/api/me", "DPoP", access, proof), "invalid_dpop_proof");
  }

  @Test
  @DisplayName("an unbound (Bearer) token is refused under the DPoP scheme; Bearer failures also offer DPoP")
  void bearerTokenUnderDpopScheme() {
    String access = login(user(), null).bodyAsJsonObject().getString("access_token");
    DpopKey key = DpopKey.es256();
    assertResourceRefused(resource("/api/me", "DPoP", access, key.proof("GET", resourceUrl("/api/me"), access, null)),
        "invalid_token");
    var bad = resource("/api/me", "Bearer", "not-a-token", null);
    assertThat(bad.statusCode()).isEqualTo(401);
    assertThat(bad.getHeader("WWW-Authenticate")).startsWith("Bearer");
    assertThat(bad.headers().getAll("WWW-Authenticate")).anyMatch(v -> v.startsWith("DPoP algs="));
  }

  @Test
  @DisplayName("on the auth origin too (logout): a bound token works with its proof and is refused as Bearer")
  void authOriginProtectedRoutes() {
    DpopKey key = DpopKey.es256();
    JsonObject tokens = boundLogin(user(), key);
    String access = tokens.getString("access_token");
    var asBearer = server.http().logout(access, null);
    assertThat(asBearer.statusCode()).isEqualTo(401);
    assertThat(asBearer.getHeader("WWW-Authenticate")).startsWith("DPoP ");
    var logout = server.http().request(HttpMethod.POST, Origin.AUTH, "/auth/logout")
        .putHeader("Authorization", "DPoP " + access)
        .putHeader("DPoP", key.proof("POST", authUrl("/auth/logout"), access, null)).send().await();
    assertThat(logout.statusCode()).as(logout.bodyAsString()).isEqualTo(204);
    assertThat(me(access, key).statusCode()).isEqualTo(401);
  }

  // ---- the event-bus verify API ----

  @Test
  @DisplayName("auth.token.verify: a bound token needs dpop+htm+htu with a proof by its key")
  void busVerify() {
    DpopKey key = DpopKey.es256();
    String access = boundLogin(user(), key).getString("access_token");
    var bus = server.app().vertx().eventBus();
    String url = "https://service.example/orders";

    JsonObject claims = bus.<JsonObject>request(Addresses.TOKEN_VERIFY, new JsonObject().put("token", access)
        .put("dpop", key.proof("GET", url, access, null)).put("htm", "GET").put("htu", url)).await().body();
    assertThat(claims.getJsonObject("cnf").getString("jkt")).isEqualTo(key.thumbprint());

    assertBusFails(new JsonObject().put("token", access), 401, "invalid_token");
    assertBusFails(new JsonObject().put("token", access).put("dpop", key.proof("GET", url + "/other", access, null))
        .put("htm", "GET").put("htu", url), 401, "invalid_dpop_proof");
    assertBusFails(new JsonObject().put("token", access).put("dpop", DpopKey.es256().proof("GET", url, access, null))
        .put("htm", "GET").put("htu", url), 401, "invalid_token");
    assertBusFails(new JsonObject().put("token", access).put("dpop", key.proof("GET", url, access, null)), 400,
        "invalid_request");
  }

  private static void assertBusFails(JsonObject body, int code, String message) {
    assertThatThrownBy(() -> server.app().vertx().eventBus().request(Addresses.TOKEN_VERIFY, body).await())
        .isInstanceOfSatisfying(ReplyException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(code);
          assertThat(e.getMessage()).isEqualTo(message);
        });
  }

  /** Claims of a fresh proof, for proofs crafted by hand. */
  private static JsonObject proofClaims(String method, String url) {
    return new JsonObject().put("jti", UUID.randomUUID().toString()).put("htm", method).put("htu", url)
        .put("iat", System.currentTimeMillis() / 1000);
  }
}
