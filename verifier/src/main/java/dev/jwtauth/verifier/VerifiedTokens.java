package dev.jwtauth.verifier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.vertx.core.json.JsonObject;

import java.time.Clock;
import java.time.Duration;

/**
 * Tokens whose signature and structure a {@link TokenVerifier} has checked, with their claims:
 * a hit skips only that work, never the expiry and revocation checks, and an entry never outlives
 * its token's {@code exp}. Thread-safe, so one instance may serve every verifier of a process.
 *
 * <p>An entry is found by the whole token string: two tokens are the same entry only when every
 * character is equal. The lookup's hash, though, is taken from the token's last
 * {@value #HASHED_CHARS} characters only (its signature, which differs from token to token), not
 * from all of its 400 to 700: on Java 17 hashing the whole string is about 0.6 µs, a tenth of what
 * a protected request costs beyond an open one. A token forged to end like a cached one lands in
 * that one entry's bucket and is not equal to it: a miss, verified in full (and refused).
 *
 * <p>Its upkeep (eviction, expiry) runs on the calling thread in small batches rather than being
 * handed to the common fork-join pool: on a request path that is cheaper than the hand-off, and it
 * keeps the pool's threads off busy cores.
 */
public final class VerifiedTokens {
  static final int HASHED_CHARS = 16;

  private final Cache<Key, JsonObject> cache;

  private VerifiedTokens(Cache<Key, JsonObject> cache) {
    this.cache = cache;
  }

  /** At most {@code size} tokens, each kept until its {@code exp} by {@code clock}; null when {@code size} is 0. */
  public static VerifiedTokens create(int size, Clock clock) {
    return size <= 0 ? null : new VerifiedTokens(Caffeine.newBuilder()
        .executor(Runnable::run)
        .maximumSize(size)
        .expireAfter(Expiry.<Key, JsonObject>creating((token, claims) ->
            Duration.ofSeconds(Math.max(0, claims.getLong("exp") - clock.millis() / 1000))))
        .build());
  }

  /** The key of {@code token}, to look it up, store it or drop it. */
  static Key key(String token) {
    return new Key(token);
  }

  /** The claims of an earlier verified {@code token}, or null. */
  JsonObject get(Key token) {
    return cache.getIfPresent(token);
  }

  void put(Key token, JsonObject claims) {
    cache.put(token, claims);
  }

  void invalidate(Key token) {
    cache.invalidate(token);
  }

  /** Forgets every token (a key left the trusted set). */
  public void invalidateAll() {
    cache.invalidateAll();
  }

  /** A token as a cache key: equal only to the same string, hashed over its tail. */
  static final class Key {
    private final String token;
    private final int hash;

    private Key(String token) {
      this.token = token;
      int h = token.length();
      for (int i = Math.max(0, token.length() - HASHED_CHARS); i < token.length(); i++) {
        h = 31 * h + token.charAt(i);
      }
      this.hash = h;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key other && other.hash == hash && other.token.equals(token);
    }
  }
}
