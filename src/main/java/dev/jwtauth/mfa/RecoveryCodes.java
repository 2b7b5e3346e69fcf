package dev.jwtauth.mfa;

import dev.jwtauth.tokens.Digests;
import io.vertx.core.buffer.Buffer;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * One-time recovery codes: {@link #COUNT} per confirmed TOTP, each 12 characters of the RFC 4648
 * base32 alphabet (60 random bits), shown as {@code xxxx-xxxx-xxxx}. They are stored as
 * SHA-256(user id ":" code): a slow hash (argon2) buys nothing against 60 random bits (2^59
 * SHA-256 guesses per code on average, offline, after stealing the database; online, guesses
 * count toward the lockout like wrong passwords), and would cost up to ten argon2 runs per
 * attempt since codes are looked up by hash. The user id as salt makes each user's codes a
 * separate search.
 */
public final class RecoveryCodes {
  /** Codes made at confirmation. */
  public static final int COUNT = 10;
  private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";
  private static final int LENGTH = 12;
  private static final SecureRandom RANDOM = new SecureRandom();

  private RecoveryCodes() {
  }

  /** {@link #COUNT} new codes, as shown to the user. */
  public static List<String> newCodes() {
    List<String> codes = new ArrayList<>(COUNT);
    for (int i = 0; i < COUNT; i++) {
      StringBuilder sb = new StringBuilder();
      for (int j = 0; j < LENGTH; j++) {
        if (j > 0 && j % 4 == 0) {
          sb.append('-');
        }
        sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
      }
      codes.add(sb.toString());
    }
    return codes;
  }

  /** The stored form of a code as typed (case, spaces and dashes do not matter). */
  public static Buffer hash(UUID owner, String typed) {
    String code = typed.replaceAll("[\\s-]", "").toLowerCase(Locale.ROOT);
    return Buffer.buffer(Digests.sha256(owner + ":" + code));
  }
}
