package dev.jwtauth.mfa;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA1, 6 digits, 30-second
 * steps counted from the Unix epoch, 160-bit secrets. A code is accepted for the step before, the
 * step of and the step after the server's clock (RFC 6238 §5.2 allows for drift and for the time a
 * person takes to type), and never for a step at or before the last one accepted (replay, §5.2).
 */
public final class Totp {
  /** RFC 6238 §4.1: X, the step in seconds. */
  public static final int STEP_SECONDS = 30;
  /** Digits of a code. */
  public static final int DIGITS = 6;
  /** RFC 4226 §4 R6 recommends 160 bits, the size of an HMAC-SHA1 output. */
  public static final int SECRET_BYTES = 20;
  /** Steps accepted on each side of the current one. */
  public static final int DRIFT_STEPS = 1;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int[] POWERS = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

  private Totp() {
  }

  /** A new random secret. */
  public static byte[] newSecret() {
    byte[] secret = new byte[SECRET_BYTES];
    RANDOM.nextBytes(secret);
    return secret;
  }

  /** The step of an instant: floor(unix seconds / 30). */
  public static long step(Instant at) {
    return Math.floorDiv(at.getEpochSecond(), STEP_SECONDS);
  }

  /** The 6-digit code of {@code step}. */
  public static String code(byte[] secret, long step) {
    return code(secret, step, DIGITS, "HmacSHA1");
  }

  /**
   * The code of {@code step} with {@code digits} digits (1-8) and HMAC algorithm {@code hmac}
   * ({@code HmacSHA1}; the other two of RFC 6238's test vectors are there for the tests).
   */
  public static String code(byte[] secret, long step, int digits, String hmac) {
    if (digits < 1 || digits > 8) {
      throw new IllegalArgumentException("digits must be 1-8");
    }
    byte[] h;
    try {
      Mac mac = Mac.getInstance(hmac);
      mac.init(new SecretKeySpec(secret, hmac));
      h = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(hmac + " is not available", e);
    }
    // RFC 4226 §5.3: dynamic truncation
    int offset = h[h.length - 1] & 0x0f;
    int binary = ((h[offset] & 0x7f) << 24) | ((h[offset + 1] & 0xff) << 16) | ((h[offset + 2] & 0xff) << 8)
        | (h[offset + 3] & 0xff);
    String s = Integer.toString(binary % POWERS[digits]);
    return "0".repeat(digits - s.length()) + s;
  }

  /**
   * The step, within {@link #DRIFT_STEPS} of {@code nowStep} and after {@code lastStep}, whose
   * code is {@code code}; or -1 when there is none (wrong code, replayed code, too far off).
   * Every candidate step is computed and compared in constant time, so the answer's timing does
   * not tell which step matched.
   */
  public static long matchingStep(byte[] secret, String code, long nowStep, long lastStep) {
    if (code == null || code.length() != DIGITS || !code.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    byte[] given = code.getBytes(StandardCharsets.US_ASCII);
    long found = -1;
    for (long step = nowStep - DRIFT_STEPS; step <= nowStep + DRIFT_STEPS; step++) {
      boolean same = MessageDigest.isEqual(given, code(secret, step).getBytes(StandardCharsets.US_ASCII));
      if (same && step > lastStep && found < 0) {
        found = step;
      }
    }
    return found;
  }
}
