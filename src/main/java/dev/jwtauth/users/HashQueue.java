package dev.jwtauth.users;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the logins waiting for or running an argon2 hash in this process ({@code HASH_QUEUE_MAX}).
 * A login that finds it full is answered 503 at once instead of queueing: with a bounded queue
 * in front of a fixed number of hash workers, a login's latency stays bounded under any load.
 */
public final class HashQueue {
  private final int max;
  private final AtomicInteger pending = new AtomicInteger();

  public HashQueue(int max) {
    this.max = max;
  }

  /** Takes a place; false when the queue is full. A place taken must be given back with {@link #leave}. */
  public boolean tryEnter() {
    while (true) {
      int n = pending.get();
      if (n >= max) {
        return false;
      }
      if (pending.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  public void leave() {
    pending.decrementAndGet();
  }

  /** Logins holding a place now. */
  public int pending() {
    return pending.get();
  }
}
