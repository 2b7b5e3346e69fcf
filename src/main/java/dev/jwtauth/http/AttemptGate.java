package dev.jwtauth.http;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits how many attempts of one key (a client address, a name and address pair) are in flight
 * at once; the others wait in order. This replaces counting an attempt as a failure before it
 * is checked: the limit is the number of failures the key may still have, so parallel wrong
 * guesses cannot overtake the count, while right passwords in flight never count as anything, they
 * only take turns. One instance per process, shared by the verticle instances; a key is forgotten
 * as soon as nothing is in flight, so memory follows the logins in progress. How many may wait is
 * bounded by the caller (the hash queue).
 */
public final class AttemptGate {
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();

  private static final class Slot {
    int inFlight;
    int limit;
    final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  }

  /**
   * Enters {@code key}: at once when fewer than {@code limit} attempts of it are in flight and none
   * waits, else once one leaves. Answers whether it had to wait (what it read before may be stale).
   * Every entry must be followed by one {@link #leave}.
   */
  public Future<Boolean> enter(String key, int limit) {
    return enter(key, limit, false).map(entry -> entry == Entry.AFTER_WAIT);
  }

  /** How {@link #enterFirstAlone} let an attempt in. */
  public enum Entry {
    /** At once, beside attempts already in flight. */
    AT_ONCE,
    /** After waiting: others finished meanwhile. */
    AFTER_WAIT,
    /** First of a key nothing held: alone until it calls {@link #limit} with a fresh limit. */
    FIRST
  }

  /**
   * Like {@link #enter}, for a limit computed from a count read before entering. When nothing holds
   * {@code key}, the gate has forgotten what the attempts before this one did, so that count may be
   * stale: the first attempt enters alone (limit 1, whatever it brings), must read the count again
   * and then set the limit with {@link #limit}; the others wait until it does or leaves.
   */
  public Future<Entry> enterFirstAlone(String key, int limit) {
    return enter(key, limit, true);
  }

  private Future<Entry> enter(String key, int limit, boolean firstAlone) {
    Context context = Vertx.currentContext();
    Promise<Entry> entered = Promise.promise();
    Runnable wake = () -> {
      if (context == null) {
        entered.complete(Entry.AFTER_WAIT);
      } else {
        context.runOnContext(v -> entered.complete(Entry.AFTER_WAIT));
      }
    };
    Entry[] now = new Entry[1];
    slots.compute(key, (k, slot) -> {
      Slot s = slot == null ? new Slot() : slot;
      // with attempts already in flight or waiting, an entering attempt may only lower the limit: its
      // own may come from a count read before the others' failures were recorded (a stale, higher one)
      s.limit = slot != null ? Math.min(s.limit, Math.max(1, limit)) : firstAlone ? 1 : Math.max(1, limit);
      if (s.inFlight < s.limit && s.waiting.isEmpty()) {
        s.inFlight++;
        now[0] = slot == null ? Entry.FIRST : Entry.AT_ONCE;
      } else {
        s.waiting.add(wake);
      }
      return s;
    });
    return now[0] != null ? Future.succeededFuture(now[0]) : entered.future();
  }

  /**
   * Sets {@code key}'s limit from a count read inside the gate (by the {@link Entry#FIRST} attempt)
   * and lets waiting attempts in up to it.
   */
  public void limit(String key, int limit) {
    update(key, 0, limit);
  }

  /** Leaves {@code key}, with the limit as it stands now, and lets waiting attempts in up to it. */
  public void leave(String key, int limit) {
    update(key, -1, limit);
  }

  private void update(String key, int inFlightChange, int limit) {
    List<Runnable> wake = new ArrayList<>();
    slots.computeIfPresent(key, (k, s) -> {
      s.inFlight += inFlightChange;
      s.limit = Math.max(1, limit);
      while (s.inFlight < s.limit && !s.waiting.isEmpty()) {
        s.inFlight++;
        wake.add(s.waiting.poll());
      }
      return s.inFlight <= 0 && s.waiting.isEmpty() ? null : s;
    });
    wake.forEach(Runnable::run);
  }

  /** Keys with attempts in flight or waiting (for tests). */
  int size() {
    return slots.size();
  }
}
