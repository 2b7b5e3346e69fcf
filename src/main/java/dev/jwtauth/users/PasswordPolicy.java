package dev.jwtauth.users;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What a password must be, in one place for {@code POST /admin/users}, the password reset, the
 * self-service change, the command line and {@code BOOTSTRAP_ADMIN_PASSWORD}: at least
 * {@value #MIN_LENGTH} characters, at most {@value #MAX_LENGTH} (argon2 input is bounded so a huge
 * body cannot buy a long hash), and not one of the 10,000 most common passwords (resource
 * {@value #COMMON_LIST}, compared case-insensitively; provenance in {@code passwords/README.md}).
 */
public final class PasswordPolicy {
  public static final int MIN_LENGTH = 8;
  public static final int MAX_LENGTH = 1_024;
  static final String COMMON_LIST = "/passwords/common-10k.txt";

  private PasswordPolicy() {
  }

  // Read once, at class initialisation: call load() at start-up so no event loop pays for it.
  private static final Set<String> COMMON = read();

  private static Set<String> read() {
    Set<String> common = new HashSet<>(16_384);
    try (InputStream in = PasswordPolicy.class.getResourceAsStream(COMMON_LIST)) {
      if (in == null) {
        throw new IllegalStateException("the resource " + COMMON_LIST + " is missing from the jar");
      }
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        if (!line.isEmpty()) {
          common.add(line.toLowerCase(Locale.ROOT));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Set.copyOf(common);
  }

  /** Loads the common-password list now (start-up, off the event loops); answers its size. */
  public static int load() {
    return COMMON.size();
  }

  /** Whether {@code password} is on the common list, ignoring case. */
  public static boolean isCommon(String password) {
    return password != null && COMMON.contains(password.toLowerCase(Locale.ROOT));
  }

  /** Why {@code password} is refused, as one sentence, or empty when it is acceptable. */
  public static Optional<String> problem(String password) {
    if (password == null || password.length() < MIN_LENGTH) {
      return Optional.of("The password must be at least " + MIN_LENGTH + " characters long.");
    }
    if (password.length() > MAX_LENGTH) {
      return Optional.of("The password must be at most " + MAX_LENGTH + " characters long.");
    }
    if (isCommon(password)) {
      return Optional.of("The password is one of the 10,000 most common passwords; choose another.");
    }
    return Optional.empty();
  }
}
