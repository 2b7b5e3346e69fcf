package dev.jwtauth.keys;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("KeyRing: the newest key signs, older keys stay published until their tokens expired, then retire")
class KeyRingTest {
  static KeyPair pair;

  @BeforeAll
  static void keyPair() throws Exception {
    pair = SigningAlgorithm.ES256.generate();
  }

  /** A key created at {@code created} (epoch seconds), as KeyFiles names it. */
  static KeyEntry key(long created, String suffix) {
    return new KeyEntry(Long.toString(created, 36) + "-" + suffix, SigningAlgorithm.ES256, pair.getPrivate(), pair.getPublic());
  }

  @Test
  @DisplayName("a ring cannot be empty")
  void notEmpty() {
    assertThatThrownBy(() -> new KeyRing(List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("the active key is the newest by creation time, whatever the order given; the kid breaks ties")
  void newestIsActive() {
    KeyEntry old = key(1_000, "aaaa");
    KeyEntry mid = key(2_000, "ffff");
    KeyEntry sameSecond = key(2_000, "0000");
    KeyRing ring = new KeyRing(List.of(mid, old, sameSecond));

    assertThat(ring.all()).containsExactly(old, sameSecond, mid);
    assertThat(ring.active()).isEqualTo(mid);
  }

  @Test
  @DisplayName("with(key) makes a newer key active and leaves the original ring unchanged")
  void withIsImmutable() {
    KeyRing ring = new KeyRing(List.of(key(1_000, "aaaa")));
    KeyEntry next = key(1_001, "bbbb");

    KeyRing bigger = ring.with(next);

    assertThat(bigger.active()).isEqualTo(next);
    assertThat(bigger.all()).hasSize(2);
    assertThat(ring.all()).hasSize(1);
    assertThat(ring.active().kid()).isEqualTo(key(1_000, "aaaa").kid());
  }

  @Test
  @DisplayName("a key retires only once its successor has been active for longer than the delay")
  void retiresAfterSuccessorPlusDelay() {
    KeyEntry first = key(1_000, "aaaa");
    KeyEntry second = key(5_000, "bbbb");
    KeyEntry third = key(9_000, "cccc");
    KeyRing ring = new KeyRing(List.of(first, second, third));
    Duration delay = Duration.ofSeconds(1_000);

    assertThat(ring.retiredAt(6_000, delay)).as("at the boundary (5000 + 1000)").isEmpty();
    assertThat(ring.retiredAt(6_001, delay)).containsExactly(first);
    assertThat(ring.retiredAt(10_001, delay)).containsExactly(first, second);
    assertThat(ring.retiredAt(1_000_000, delay)).as("the active key never retires").doesNotContain(third);
  }

  @Test
  @DisplayName("a ring of one key never retires it")
  void singleKeyNeverRetires() {
    assertThat(new KeyRing(List.of(key(1_000, "aaaa"))).retiredAt(Long.MAX_VALUE / 2, Duration.ZERO)).isEmpty();
  }

  @Test
  @DisplayName("without(keys) drops exactly those keys; dropping every key is refused")
  void without() {
    KeyEntry first = key(1_000, "aaaa");
    KeyEntry second = key(2_000, "bbbb");
    KeyRing ring = new KeyRing(List.of(first, second));

    assertThat(ring.without(List.of(first)).all()).containsExactly(second);
    assertThat(ring.all()).containsExactly(first, second);
    assertThatThrownBy(() -> ring.without(List.of(first, second))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("the public JWKS lists every key, oldest first, by kid, without private parts")
  void publicJwks() {
    KeyEntry first = key(1_000, "aaaa");
    KeyEntry second = key(2_000, "bbbb");

    JsonObject jwks = new KeyRing(List.of(second, first)).publicJwks();

    assertThat(jwks.fieldNames()).containsExactly("keys");
    assertThat(jwks.getJsonArray("keys").stream().map(k -> ((JsonObject) k).getString("kid")))
        .containsExactly(first.kid(), second.kid());
    assertThat(jwks.getJsonArray("keys").stream().map(k -> (JsonObject) k))
        .allSatisfy(k -> assertThat(k.fieldNames()).doesNotContain("d", "p", "q"));
  }
}
