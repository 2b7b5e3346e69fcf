package dev.jwtauth.tokens;

import dev.jwtauth.keys.KeyEntry;
import dev.jwtauth.keys.KeyRing;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The verified-token cache never accepts what a cold verification would reject")
class VerifyCacheTest {
  private static final Logger log = LoggerFactory.getLogger(VerifyCacheTest.class);
  static Vertx vertx;
  static KeyEntry key;
  static KeyEntry otherKey;

  @BeforeAll
  static void setUp() throws Exception {
    vertx = Vertx.vertx();
    KeyPair pair = SigningAlgorithm.RS256.generate();
    key = new KeyEntry("RS256-aaaa-0001", SigningAlgorithm.RS256, pair.getPrivate(), pair.getPublic());
    KeyPair other = SigningAlgorithm.RS256.generate();
    otherKey = new KeyEntry("RS256-aaab-0002", SigningAlgorithm.RS256, other.getPrivate(), other.getPublic());
  }

  @AfterAll
  static void tearDown() {
    vertx.close().await();
  }

  static TokenVerifier verifier(MutableClock clock, RevocationSet revoked, int cacheSize, KeyEntry... keys) {
    TokenVerifier v = new TokenVerifier(vertx, "https://issuer.test", "api", 30, clock, revoked, null, cacheSize);
    v.update(new KeyRing(List.of(keys)).publicJwks());
    return v;
  }

  static String token(MutableClock clock, KeyEntry k, String jti, long ttl) {
    long now = clock.millis() / 1000;
    JsonObject header = new JsonObject().put("alg", "RS256").put("typ", "at+jwt").put("kid", k.kid());
    JsonObject claims = new JsonObject().put("iss", "https://issuer.test").put("sub", "u1").put("aud", "api")
        .put("exp", now + ttl).put("iat", now).put("jti", jti).put("sid", "s-" + jti)
        .put("roles", new JsonArray().add("user"));
    return Jwts.sign(header, claims, k.alg(), k.privateKey());
  }

  static boolean accepts(TokenVerifier v, String token) {
    return v.verify(token).map(true).otherwise(false).await();
  }

  @Test
  @DisplayName("a cached token that is then revoked (jti or sid) is rejected at once")
  void revokedAfterCaching() {
    MutableClock clock = new MutableClock();
    RevocationSet revoked = new RevocationSet(clock);
    TokenVerifier v = verifier(clock, revoked, 100, key);
    String t1 = token(clock, key, "j1", 300);
    String t2 = token(clock, key, "j2", 300);
    assertThat(accepts(v, t1)).isTrue();
    assertThat(accepts(v, t1)).isTrue();
    assertThat(accepts(v, t2)).isTrue();

    revoked.add(Revocations.entry("jti", "j1", clock.millis() / 1000 + 300));
    revoked.add(Revocations.entry("sid", "s-j2", clock.millis() / 1000 + 300));

    assertThat(accepts(v, t1)).isFalse();
    assertThat(accepts(v, t2)).isFalse();
  }

  @Test
  @DisplayName("a cached token is rejected once it expires (beyond the leeway)")
  void expiredAfterCaching() {
    MutableClock clock = new MutableClock();
    TokenVerifier v = verifier(clock, new RevocationSet(clock), 100, key);
    String t = token(clock, key, "j3", 60);
    assertThat(accepts(v, t)).isTrue();
    clock.advance(Duration.ofSeconds(60 + 29));
    assertThat(accepts(v, t)).isTrue();
    clock.advance(Duration.ofSeconds(2));
    assertThat(accepts(v, t)).isFalse();
  }

  @Test
  @DisplayName("when the signing key leaves the key set, its cached tokens are rejected")
  void retiredKeyDropsEntries() {
    MutableClock clock = new MutableClock();
    TokenVerifier v = verifier(clock, new RevocationSet(clock), 100, key, otherKey);
    String t = token(clock, key, "j4", 300);
    String u = token(clock, otherKey, "j5", 300);
    assertThat(accepts(v, t)).isTrue();
    assertThat(accepts(v, u)).isTrue();

    v.update(new KeyRing(List.of(otherKey)).publicJwks());

    assertThat(accepts(v, t)).isFalse();
    assertThat(accepts(v, u)).isTrue();
    v.update(new JsonObject().put("keys", new JsonArray()));
    assertThat(accepts(v, u)).isFalse();
  }

  @Test
  @DisplayName("cached and uncached verifiers agree on 2,000 mutations of cached tokens")
  void differential() {
    MutableClock clock = new MutableClock();
    TokenVerifier cached = verifier(clock, new RevocationSet(clock), 1_000, key);
    TokenVerifier cold = verifier(clock, new RevocationSet(clock), 0, key);
    List<String> valid = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      valid.add(token(clock, key, "d" + i, 300));
      assertThat(accepts(cached, valid.get(i))).isTrue();
    }
    Random random = new Random(42);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    int accepted = 0;
    for (int i = 0; i < 2_000; i++) {
      StringBuilder t = new StringBuilder(valid.get(random.nextInt(valid.size())));
      int mutations = 1 + random.nextInt(3);
      for (int m = 0; m < mutations; m++) {
        int at = random.nextInt(t.length());
        switch (random.nextInt(3)) {
          case 0 -> t.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
          case 1 -> t.deleteCharAt(at);
          default -> t.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
        }
      }
      String mutated = t.toString();
      boolean a = accepts(cached, mutated);
      boolean b = accepts(cold, mutated);
      assertThat(a).as("cached vs cold on %s", mutated).isEqualTo(b);
      accepted += a ? 1 : 0;
    }
    // Most mutations must break the token, or the comparison says little about rejection.
    assertThat(accepted).as("mutations accepted by both").isLessThan(2_000);
    log.info("cache differential: 2000 mutations, {} accepted by both (a mutation can be a no-op)", accepted);
  }

  @Test
  @DisplayName("the cache is the process's: a token verified by one verifier instance is a hit on another, and none holding no key accepts it")
  void cacheSharedAcrossVerifiers() {
    MutableClock clock = new MutableClock();
    RevocationSet revoked = new RevocationSet(clock);
    var cache = TokenVerifier.newCache(100, clock);
    TokenVerifier first = new TokenVerifier(vertx, "https://issuer.test", "api", 30, clock, revoked, null, cache);
    first.update(new KeyRing(List.of(key)).publicJwks());
    // the second instance cannot check this token's signature itself: only the shared cache lets it through
    TokenVerifier second = new TokenVerifier(vertx, "https://issuer.test", "api", 30, clock, revoked, null, cache);
    second.update(new KeyRing(List.of(otherKey)).publicJwks());
    TokenVerifier keyless = new TokenVerifier(vertx, "https://issuer.test", "api", 30, clock, revoked, null, cache);
    String t = token(clock, key, "shared-1", 300);
    assertThat(accepts(second, t)).as("before anyone verified it").isFalse();

    assertThat(accepts(first, t)).isTrue();

    assertThat(accepts(second, t)).isTrue();
    assertThat(accepts(keyless, t)).as("fail closed without keys").isFalse();
    revoked.add(Revocations.entry("jti", "shared-1", clock.millis() / 1000 + 300));
    assertThat(accepts(second, t)).isFalse();
  }

  @Test
  @DisplayName("a cache entry is found by the whole token: tokens forged to share a cached token's signature (and so its hashed tail) are verified in full and refused")
  void sameTailIsNotAHit() {
    MutableClock clock = new MutableClock();
    RevocationSet revoked = new RevocationSet(clock);
    TokenVerifier v = verifier(clock, revoked, 100, key);
    String t = token(clock, key, "tail-1", 300);
    assertThat(accepts(v, t)).isTrue();
    assertThat(accepts(v, t)).as("now a hit").isTrue();
    String[] parts = t.split("\\.");
    JsonObject claims = new JsonObject(new String(java.util.Base64.getUrlDecoder().decode(parts[1]), java.nio.charset.StandardCharsets.UTF_8));
    java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
    // another payload, another header, a prefix: each keeps the signature, so the last 16 characters are the same
    String otherPayload = parts[0] + "." + b64.encodeToString(claims.copy().put("roles", new JsonArray().add("admin")).encode()
        .getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "." + parts[2];
    String otherHeader = b64.encodeToString(new JsonObject().put("alg", "RS256").put("typ", "at+jwt").put("kid", key.kid())
        .put("x", 1).encode().getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "." + parts[1] + "." + parts[2];
    String shorter = t.substring(1);
    for (String forged : List.of(otherPayload, otherHeader, shorter)) {
      assertThat(forged.substring(forged.length() - 16)).isEqualTo(t.substring(t.length() - 16));
      assertThat(accepts(v, forged)).as(forged).isFalse();
    }
    assertThat(accepts(v, t)).as("the real one is still a hit").isTrue();
  }
}
