package dev.jwtauth.tokens;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Server-provided DPoP nonces (RFC 9449 §8): an HMAC of the current time slot under a secret made
 * at start, so no nonce is stored. A nonce is accepted during its slot and the next one, so a client
 * that just received one always has at least one slot to use it. The secret is the process's:
 * a nonce handed out by one process is refused by another, which answers {@code use_dpop_nonce}
 * with its own (the client retries once).
 */
public final class DpopNonces {
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  private final byte[] secret;
  private final long slotMillis;
  private final Clock clock;
  private final ThreadLocal<Mac> macs;

  /** Nonces rotating every {@code slot}, with a fresh random secret. */
  public DpopNonces(Duration slot, Clock clock) {
    this.secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    this.slotMillis = Math.max(1_000, slot.toMillis());
    this.clock = clock;
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has HmacSHA256", e);
    }
  }

  /** The nonce to hand out now. */
  public String current() {
    return of(clock.millis() / slotMillis);
  }

  /** Whether {@code nonce} is the current slot's or the previous slot's. */
  public boolean accepts(String nonce) {
    if (nonce == null || nonce.length() > 64) {
      return false;
    }
    long slot = clock.millis() / slotMillis;
    byte[] given = nonce.getBytes(StandardCharsets.US_ASCII);
    // both compared, in constant time: which slot matched is nobody's business
    boolean now = MessageDigest.isEqual(given, of(slot).getBytes(StandardCharsets.US_ASCII));
    boolean before = MessageDigest.isEqual(given, of(slot - 1).getBytes(StandardCharsets.US_ASCII));
    return now | before;
  }

  private String of(long slot) {
    byte[] input = Long.toString(slot).getBytes(StandardCharsets.US_ASCII);
    return B64URL.encodeToString(Arrays.copyOf(macs.get().doFinal(input), 16));
  }
}
