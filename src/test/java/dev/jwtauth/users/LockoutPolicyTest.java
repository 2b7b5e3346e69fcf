package dev.jwtauth.users;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("LockoutPolicy: a locked pair waits; a failing pair waits for the account budget; a fresh pair never does")
class LockoutPolicyTest {
  static final LockoutPolicy POLICY = new LockoutPolicy(10, 60, 900, 100);

  static LoginFailures.State state(int failures, long lockedSeconds, double tokens) {
    return new LoginFailures.State(Optional.empty(), failures, lockedSeconds, tokens);
  }

  @Test
  @DisplayName("A locked pair waits out its lock")
  void lockedPairWaits() {
    assertThat(POLICY.waitSeconds(state(10, 60, 100))).isEqualTo(60);
    assertThat(POLICY.waitSeconds(state(0, 5, 100))).isEqualTo(5);
  }

  @Test
  @DisplayName("With the account budget spent, a pair with recent failures waits for the next token")
  void failingPairWaitsForBudget() {
    assertThat(POLICY.waitSeconds(state(1, 0, 0))).isEqualTo(36); // 3600 s / 100 per hour
    assertThat(POLICY.waitSeconds(state(1, 0, 0.5))).isEqualTo(18);
    assertThat(POLICY.waitSeconds(state(1, 0, 1))).isZero();
  }

  @Test
  @DisplayName("A pair with no recent failure is never held back by the account budget, but goes one at a time")
  void freshPairNeverWaits() {
    assertThat(POLICY.waitSeconds(state(0, 0, 0))).isZero();
    assertThat(POLICY.inFlightLimit(state(0, 0, 0))).isEqualTo(1);
  }

  @Test
  @DisplayName("Attempts in flight per pair: the failures it may still have, at least one")
  void inFlight() {
    assertThat(POLICY.inFlightLimit(state(0, 0, 100))).isEqualTo(10);
    assertThat(POLICY.inFlightLimit(state(7, 0, 100))).isEqualTo(3);
    assertThat(POLICY.inFlightLimit(state(12, 0, 100))).isEqualTo(1);
  }

  @Test
  @DisplayName("Failures are remembered a day, or longer than the longest lock")
  void memory() {
    assertThat(POLICY.memorySeconds()).isEqualTo(86_400);
    assertThat(new LockoutPolicy(10, 60, 604_800, 100).memorySeconds()).isEqualTo(604_800);
  }
}
