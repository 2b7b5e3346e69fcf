package dev.jwtauth.users;

import java.util.Optional;

/**
 * What a password must be, in one place for {@code POST /admin/users}, the command line and
 * {@code BOOTSTRAP_ADMIN_PASSWORD}: at least {@value #MIN_LENGTH} characters, at most
 * {@value #MAX_LENGTH} (argon2 input is bounded so a huge body cannot buy a long hash).
 */
public final class PasswordPolicy {
  public static final int MIN_LENGTH = 8;
  public static final int MAX_LENGTH = 1_024;

  private PasswordPolicy() {
  }

  /** Why {@code password} is refused, as one sentence, or empty when it is acceptable. */
  public static Optional<String> problem(String password) {
    if (password == null || password.length() < MIN_LENGTH) {
      return Optional.of("The password must be at least " + MIN_LENGTH + " characters long.");
    }
    if (password.length() > MAX_LENGTH) {
      return Optional.of("The password must be at most " + MAX_LENGTH + " characters long.");
    }
    return Optional.empty();
  }
}
