package dev.jwtauth.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts failures per key (a client address) in fixed windows and answers how long a key must
 * wait once it has used up its allowance. One instance is shared by all verticle instances of a
 * process; the Caffeine cache bounds memory under a flood of distinct addresses.
 */
public final class AttemptLimiter {
  private final int limit;
  private final long windowMillis;
  private final Cache<String, Window> windows;

  public AttemptLimiter(int limit, Duration window) {
    this.limit = limit;
    this.windowMillis = window.toMillis();
    this.windows = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(window).build();
  }

  private static final class Window {
    final long start = System.currentTimeMillis();
    final AtomicInteger failures = new AtomicInteger();
  }

  /**
   * Reserves one attempt for {@code key}: answers 0 when it may go ahead, the attempt counting as
   * a failure until it is {@link #release}d, or else the seconds to wait. Checking and counting in
   * one step keeps parallel attempts from all passing the check before the first failure counts.
   */
  public long reserve(String key) {
    Window w = windows.get(key, k -> new Window());
    while (true) {
      int n = w.failures.get();
      if (n >= limit) {
        long left = w.start + windowMillis - System.currentTimeMillis();
        return Math.max(1, (left + 999) / 1000);
      }
      if (w.failures.compareAndSet(n, n + 1)) {
        return 0;
      }
    }
  }

  /**
   * Takes back a reservation whose attempt did not fail (it succeeded, or no password was
   * checked). After a window change it may free one attempt of the next window: harmless.
   */
  public void release(String key) {
    Window w = windows.getIfPresent(key);
    if (w != null) {
      w.failures.updateAndGet(n -> Math.max(0, n - 1));
    }
  }
}
