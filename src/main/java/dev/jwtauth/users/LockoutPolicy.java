package dev.jwtauth.users;

import dev.jwtauth.config.AppConfig;

/**
 * The lockout rules (DESIGN "Pinned details", lockout), apart from the doubling lock itself, which
 * {@link LoginFailures#recordFailure} computes in the same statement that counts the failure.
 * <ul>
 *   <li>A (name, address) pair with {@code threshold} recent verified failures is locked for
 *       {@code baseSeconds}, doubling with each further failure up to {@code maxSeconds}.</li>
 *   <li>Account-wide, a name has a budget of {@code accountPerHour} failures (a token bucket
 *       refilled at that rate per hour). Once it is spent, a pair that has failed recently waits
 *       for the next token (429); a pair with no recent failure (the owner at their usual address)
 *       is never held back by it, but gets one attempt in flight at a time.</li>
 *   <li>A pair may have at most {@code threshold - failures} attempts in flight (at least one),
 *       so parallel guesses cannot overtake the count; a right password in flight counts for
 *       nothing, it only waits its turn.</li>
 * </ul>
 *
 * @param threshold      recent failures that lock a pair ({@code LOCKOUT_THRESHOLD})
 * @param baseSeconds    first lock ({@code LOCKOUT_SECONDS})
 * @param maxSeconds     longest lock ({@code LOCKOUT_MAX_SECONDS})
 * @param accountPerHour account-wide failure budget per hour ({@code LOCKOUT_ACCOUNT_PER_HOUR})
 */
public record LockoutPolicy(int threshold, long baseSeconds, long maxSeconds, int accountPerHour) {
  /** Failures are remembered this long after the last one (at least a day, and past any lock). */
  static final long MIN_MEMORY_SECONDS = 86_400;

  public static LockoutPolicy of(AppConfig cfg) {
    return new LockoutPolicy(cfg.lockoutThreshold(), cfg.lockoutSeconds().toSeconds(), cfg.lockoutMaxSeconds().toSeconds(),
        cfg.lockoutAccountPerHour());
  }

  /** How long a pair's failures are remembered after its last one. */
  public long memorySeconds() {
    return Math.max(MIN_MEMORY_SECONDS, maxSeconds);
  }

  /** Seconds the login must wait before its password may be checked (429), or 0 to go ahead. */
  public long waitSeconds(LoginFailures.State state) {
    if (state.lockedSeconds() > 0) {
      return state.lockedSeconds();
    }
    if (state.failures() > 0 && state.tokens() < 1) {
      return accountWaitSeconds(state.tokens());
    }
    return 0;
  }

  /** Seconds until the budget holds a whole token again. */
  long accountWaitSeconds(double tokens) {
    return Math.max(1, (long) Math.ceil((1 - tokens) * 3600 / accountPerHour));
  }

  /** Attempts of the pair that may have their password checked at the same time. */
  public int inFlightLimit(LoginFailures.State state) {
    return state.tokens() < 1 ? 1 : Math.max(1, threshold - state.failures());
  }
}
