package dev.jwtauth.tokens;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("DpopProofs against the RFCs' own examples (RFC 9449 §7.1 Figure 13, RFC 7638 §3.1)")
class DpopProofsTest {
  /** RFC 9449 Figure 13: the proof sent with an access token to a protected resource (ES256, with ath). */
  private static final String RFC_PROOF = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19"
      + ".eyJqdGkiOiJlMWozVl9iS2ljOC1MQUVCIiwiaHRtIjoiR0VUIiwiaHR1IjoiaHR0cHM6Ly9yZXNvdXJjZS5leGFtcGxlLm9yZy9wcm90ZWN0ZWRyZXNvdXJjZSIsImlhdCI6MTU2MjI2MjYxOCwiYXRoIjoiZlVIeU8ycjJaM0RaNTNFc05yV0JiMHhXWG9hTnk1OUlpS0NBcWtzbVFFbyJ9"
      + ".2oW9RP35yRqzhrtNP86L-Ey71EOptxRimPPToA1plemAgR6pxHF8y6-yqyVnmcw6Fy1dqd-jfxSYoMxhAJpLjA";
  private static final String RFC_ACCESS_TOKEN = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU";
  private static final String RFC_URL = "https://resource.example.org/protectedresource";
  /** RFC 9449 §6.1: the jkt of the example key. */
  private static final String RFC_JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
  private static final long RFC_IAT = 1562262618;

  private static DpopProofs at(long epochSecond) {
    return new DpopProofs(Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC), Duration.ofSeconds(60),
        Duration.ofSeconds(30), null);
  }

  @Test
  @DisplayName("the RFC's example proof verifies and gives the RFC's jkt; its ath is the RFC's token hash")
  void rfcExample() {
    assertThat(DpopProofs.ath(RFC_ACCESS_TOKEN)).isEqualTo("fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    String jkt = at(RFC_IAT + 5).verify(List.of(RFC_PROOF), "GET", List.of(RFC_URL), RFC_ACCESS_TOKEN);
    assertThat(jkt).isEqualTo(RFC_JKT);
    // the URL compared after normalisation: host case, default port, query and fragment do not matter
    assertThat(at(RFC_IAT).verify(List.of(RFC_PROOF), "GET",
        List.of("https://RESOURCE.example.org:443/protectedresource?x=1#f"), RFC_ACCESS_TOKEN)).isEqualTo(RFC_JKT);
  }

  @Test
  @DisplayName("the RFC's example proof is refused for another token, method or URL, too late, twice, or tampered with")
  void rfcExampleRefused() {
    assertRejected(() -> at(RFC_IAT).verify(List.of(RFC_PROOF), "GET", List.of(RFC_URL), "another-token"));
    assertRejected(() -> at(RFC_IAT).verify(List.of(RFC_PROOF), "POST", List.of(RFC_URL), RFC_ACCESS_TOKEN));
    assertRejected(() -> at(RFC_IAT).verify(List.of(RFC_PROOF), "GET", List.of(RFC_URL + "/x"), RFC_ACCESS_TOKEN));
    assertRejected(() -> at(RFC_IAT + 61).verify(List.of(RFC_PROOF), "GET", List.of(RFC_URL), RFC_ACCESS_TOKEN));
    assertRejected(() -> at(RFC_IAT - 31).verify(List.of(RFC_PROOF), "GET", List.of(RFC_URL), RFC_ACCESS_TOKEN));
    assertRejected(() -> at(RFC_IAT).verify(List.of(RFC_PROOF, RFC_PROOF), "GET", List.of(RFC_URL), RFC_ACCESS_TOKEN));
    DpopProofs once = at(RFC_IAT);
    once.verify(List.of(RFC_PROOF), "GET", List.of(RFC_URL), RFC_ACCESS_TOKEN);
    assertRejected(() -> once.verify(List.of(RFC_PROOF), "GET", List.of(RFC_URL), RFC_ACCESS_TOKEN));
    String[] parts = RFC_PROOF.split("\\.");
    String otherClaims = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
        "{\"jti\":\"e1j3V_bKic8-LAEC\",\"htm\":\"GET\",\"htu\":\"https://resource.example.org/protectedresource\",\"iat\":1562262618,\"ath\":\"fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo\"}".getBytes());
    assertRejected(() -> at(RFC_IAT).verify(List.of(parts[0] + "." + otherClaims + "." + parts[2]), "GET",
        List.of(RFC_URL), RFC_ACCESS_TOKEN));
  }

  @Test
  @DisplayName("RFC 7638 §3.1: the thumbprint of the RFC's RSA key")
  void rfc7638Thumbprint() {
    JsonObject jwk = new JsonObject().put("kty", "RSA").put("e", "AQAB").put("alg", "RS256").put("kid", "2011-04-29")
        .put("n", "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw");
    assertThat(DpopProofs.thumbprint(jwk)).isEqualTo("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  }

  @Test
  @DisplayName("htu normalisation (RFC 3986 §6.2.2-6.2.3): case, default ports, empty path, percent-encodings; only http(s)")
  void normalisation() {
    assertThat(DpopProofs.normaliseUrl("HTTPS://Example.COM:443/a/b?q#f")).isEqualTo("https://example.com/a/b");
    assertThat(DpopProofs.normaliseUrl("http://example.com:80")).isEqualTo("http://example.com/");
    assertThat(DpopProofs.normaliseUrl("http://example.com:8080/%7euser/%2f")).isEqualTo("http://example.com:8080/~user/%2F");
    assertThat(DpopProofs.normaliseUrl("https://example.com:80/x")).isEqualTo("https://example.com:80/x");
    assertThat(DpopProofs.normaliseUrl("ftp://example.com/x")).isNull();
    assertThat(DpopProofs.normaliseUrl("/relative")).isNull();
    assertThat(DpopProofs.normaliseUrl("https://user@example.com/x")).isNull();
  }

  @Test
  @DisplayName("server nonces are accepted in their slot and the next, not after")
  void nonces() {
    var clock = new dev.jwtauth.testsupport.MutableClock();
    DpopNonces nonces = new DpopNonces(Duration.ofSeconds(60), clock);
    String nonce = nonces.current();
    assertThat(nonces.accepts(nonce)).isTrue();
    clock.advance(Duration.ofSeconds(60));
    assertThat(nonces.accepts(nonce)).isTrue();
    assertThat(nonces.current()).isNotEqualTo(nonce);
    clock.advance(Duration.ofSeconds(60));
    assertThat(nonces.accepts(nonce)).isFalse();
    assertThat(nonces.accepts("made-up")).isFalse();
    assertThat(new DpopNonces(Duration.ofSeconds(60), clock).accepts(nonces.current())).isFalse();
  }

  @Test
  @DisplayName("the replay cache's compact key: the same key and jti give the same value; another jti, another key or a shifted boundary do not")
  void seenProofKey() {
    String jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
    assertThat(DpopProofs.SeenProof.of(jkt, "e1j3V_bKic8-LAEB")).isEqualTo(DpopProofs.SeenProof.of(jkt, "e1j3V_bKic8-LAEB"));
    assertThat(DpopProofs.SeenProof.of(jkt, "e1j3V_bKic8-LAEB")).isNotEqualTo(DpopProofs.SeenProof.of(jkt, "e1j3V_bKic8-LAEC"));
    assertThat(DpopProofs.SeenProof.of(jkt, "x")).isNotEqualTo(DpopProofs.SeenProof.of(jkt.replace('0', '1'), "x"));
    assertThat(DpopProofs.SeenProof.of("ab", "c")).isNotEqualTo(DpopProofs.SeenProof.of("a", "bc"));
  }

  @Test
  @DisplayName("check() records nothing: a proof passes check() until record(), then check() and verify() refuse it")
  void checkThenRecord() {
    DpopProofs proofs = at(RFC_IAT);
    DpopProofs.Checked first = proofs.check(List.of(RFC_PROOF), "GET", List.of(RFC_URL));
    DpopProofs.Checked again = proofs.check(List.of(RFC_PROOF), "GET", List.of(RFC_URL));
    assertThat(first.jkt()).isEqualTo(RFC_JKT);
    assertThat(again).isEqualTo(first);
    proofs.record(again);
    assertRejected(() -> proofs.check(List.of(RFC_PROOF), "GET", List.of(RFC_URL)));
    assertRejected(() -> proofs.verify(List.of(RFC_PROOF), "GET", List.of(RFC_URL), RFC_ACCESS_TOKEN));
  }

  @Test
  @DisplayName("at a resource, a valid proof by another key than the token's is refused without using up its jti")
  void bindingCheckedBeforeUse() {
    DpopProofs proofs = at(RFC_IAT);
    JsonObject otherKeys = new JsonObject().put("cnf", new JsonObject().put("jkt", RFC_JKT.replace('0', '1')));
    JsonObject boundToIt = new JsonObject().put("cnf", new JsonObject().put("jkt", RFC_JKT));
    assertThatThrownBy(() -> proofs.checkBinding(otherKeys, List.of(RFC_PROOF), "GET", List.of(RFC_URL), RFC_ACCESS_TOKEN))
        .isInstanceOfSatisfying(DpopProofs.Rejected.class, e -> assertThat(e.code()).isEqualTo("invalid_token"));
    assertThat(proofs.checkBinding(boundToIt, List.of(RFC_PROOF), "GET", List.of(RFC_URL), RFC_ACCESS_TOKEN))
        .isEqualTo(RFC_JKT);
    assertRejected(() -> proofs.checkBinding(boundToIt, List.of(RFC_PROOF), "GET", List.of(RFC_URL), RFC_ACCESS_TOKEN));
  }

  private static void assertRejected(Runnable check) {
    assertThatThrownBy(check::run).isInstanceOf(DpopProofs.Rejected.class);
  }
}
