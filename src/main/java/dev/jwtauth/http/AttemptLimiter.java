package dev.jwtauth.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts verified failures per key (a client address) in fixed windows and answers how long a key
 * must wait once it has used up its allowance. Only a failure that happened counts: an attempt in
 * flight does not (an {@link AttemptGate} keeps parallel attempts from overtaking the count). One
 * instance is shared by all verticle instances of a process; the Caffeine cache bounds memory
 * under a flood of distinct addresses.
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

  /** Seconds {@code key} must wait before its next attempt, or 0 when it may go ahead. */
  public long waitSeconds(String key) {
    Window w = windows.getIfPresent(key);
    if (w == null || w.failures.get() < limit) {
      return 0;
    }
    long left = w.start + windowMillis - System.currentTimeMillis();
    return Math.max(1, (left + 999) / 1000);
  }

  /** Failures {@code key} may still have in this window (at least 0). */
  public int remaining(String key) {
    Window w = windows.getIfPresent(key);
    return w == null ? limit : Math.max(0, limit - w.failures.get());
  }

  /** Counts one verified failure of {@code key}. */
  public void recordFailure(String key) {
    windows.get(key, k -> new Window()).failures.incrementAndGet();
  }
}
