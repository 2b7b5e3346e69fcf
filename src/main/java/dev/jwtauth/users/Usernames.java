package dev.jwtauth.users;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Username policy: Unicode NFKC, then lower case (Locale.ROOT), 1–64 characters of letters, digits
 * and {@code . _ - @}. Normalising before lookup and before insert means look-alikes such as
 * full-width "ａｄｍｉｎ" or "Admin" are the same account as "admin" and cannot be registered twice.
 */
public final class Usernames {
  private static final Pattern ALLOWED = Pattern.compile("[\\p{L}\\p{N}._@-]{1,64}");

  private Usernames() {
  }

  /** The normalised form, or empty when the name breaks the policy. */
  public static Optional<String> normalise(String raw) {
    if (raw == null || raw.length() > 256) {
      return Optional.empty();
    }
    String n = Normalizer.normalize(raw.strip(), Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    return ALLOWED.matcher(n).matches() ? Optional.of(n) : Optional.empty();
  }
}
