package dev.jwtauth.mfa;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("TOTP (RFC 6238): test vectors, a window of one step each side, replay refused")
class TotpTest {
  /** RFC 6238 appendix B: the SHA1 seed, ASCII "12345678901234567890". */
  static final byte[] SEED = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);

  @ParameterizedTest(name = "T={0}s → {1}")
  @CsvSource({
      "59, 94287082",
      "1111111109, 07081804",
      "1111111111, 14050471",
      "1234567890, 89005924",
      "2000000000, 69279037",
      "20000000000, 65353130"})
  @DisplayName("RFC 6238 appendix B, SHA1, 8 digits")
  void rfc6238Vectors(long unixSeconds, String expected) {
    long step = Totp.step(Instant.ofEpochSecond(unixSeconds));

    assertThat(Totp.code(SEED, step, 8, "HmacSHA1")).isEqualTo(expected);
  }

  @Test
  @DisplayName("The 6-digit code is the last 6 digits of the same truncation (RFC 4226 appendix D: 755224 for counter 0)")
  void sixDigits() {
    assertThat(Totp.code(SEED, 0)).isEqualTo("755224");
    assertThat(Totp.code(SEED, 1)).isEqualTo("287082");
  }

  @Test
  @DisplayName("A code of the previous, current or next step is accepted (clock drift); two steps off is refused")
  void window() {
    byte[] secret = Totp.newSecret();
    long now = Totp.step(Instant.now());

    assertThat(Totp.matchingStep(secret, Totp.code(secret, now), now, -1)).isEqualTo(now);
    assertThat(Totp.matchingStep(secret, Totp.code(secret, now - 1), now, -1)).isEqualTo(now - 1);
    assertThat(Totp.matchingStep(secret, Totp.code(secret, now + 1), now, -1)).isEqualTo(now + 1);
    assertThat(Totp.matchingStep(secret, Totp.code(secret, now - 2), now, -1)).isEqualTo(-1);
    assertThat(Totp.matchingStep(secret, Totp.code(secret, now + 2), now, -1)).isEqualTo(-1);
  }

  @Test
  @DisplayName("A code of a step at or before the last accepted one is refused (replay)")
  void replay() {
    byte[] secret = Totp.newSecret();
    long now = Totp.step(Instant.now());

    assertThat(Totp.matchingStep(secret, Totp.code(secret, now), now, now)).isEqualTo(-1);
    assertThat(Totp.matchingStep(secret, Totp.code(secret, now - 1), now, now - 1)).isEqualTo(-1);
    assertThat(Totp.matchingStep(secret, Totp.code(secret, now + 1), now, now)).isEqualTo(now + 1);
  }

  @Test
  @DisplayName("Malformed codes never match")
  void malformed() {
    byte[] secret = Totp.newSecret();
    long now = Totp.step(Instant.now());

    assertThat(Totp.matchingStep(secret, null, now, -1)).isEqualTo(-1);
    assertThat(Totp.matchingStep(secret, "12345", now, -1)).isEqualTo(-1);
    assertThat(Totp.matchingStep(secret, "12345a", now, -1)).isEqualTo(-1);
    assertThat(Totp.matchingStep(secret, " " + Totp.code(secret, now), now, -1)).isEqualTo(-1);
  }
}
