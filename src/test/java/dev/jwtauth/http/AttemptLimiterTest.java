package dev.jwtauth.http;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("AttemptLimiter: verified failures per address in a window; attempts in flight count for nothing")
class AttemptLimiterTest {

  @Test
  @DisplayName("A key waits only once it has LIMIT failures, for at most the window")
  void waitsAfterTheLimit() {
    AttemptLimiter limiter = new AttemptLimiter(3, Duration.ofMinutes(1));
    assertThat(limiter.waitSeconds("a")).isZero();
    assertThat(limiter.remaining("a")).isEqualTo(3);
    limiter.recordFailure("a");
    limiter.recordFailure("a");
    assertThat(limiter.waitSeconds("a")).isZero();
    assertThat(limiter.remaining("a")).isEqualTo(1);
    limiter.recordFailure("a");
    assertThat(limiter.waitSeconds("a")).isBetween(1L, 60L);
    assertThat(limiter.remaining("a")).isZero();
    limiter.recordFailure("a");
    assertThat(limiter.remaining("a")).isZero();
  }

  @Test
  @DisplayName("Keys are independent, and asking does not count")
  void independentKeys() {
    AttemptLimiter limiter = new AttemptLimiter(1, Duration.ofMinutes(1));
    for (int i = 0; i < 100; i++) {
      assertThat(limiter.waitSeconds("b")).isZero();
    }
    limiter.recordFailure("a");
    assertThat(limiter.waitSeconds("a")).isPositive();
    assertThat(limiter.waitSeconds("b")).isZero();
    assertThat(limiter.remaining("b")).isEqualTo(1);
  }

  @Test
  @DisplayName("The window passes and the key starts over")
  void windowPasses() throws InterruptedException {
    AttemptLimiter limiter = new AttemptLimiter(1, Duration.ofMillis(200));
    limiter.recordFailure("a");
    assertThat(limiter.waitSeconds("a")).isEqualTo(1);
    long deadline = System.currentTimeMillis() + 5_000;
    while (limiter.waitSeconds("a") > 0 && System.currentTimeMillis() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(limiter.waitSeconds("a")).isZero();
    assertThat(limiter.remaining("a")).isEqualTo(1);
  }
}
