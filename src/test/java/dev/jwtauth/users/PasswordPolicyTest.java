package dev.jwtauth.users;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Password policy: 8 to 1024 characters, not one of the 10,000 most common passwords (any case)")
class PasswordPolicyTest {

  @Test
  @DisplayName("The shipped list holds the 10,000 most common passwords")
  void listShipped() throws IOException {
    try (InputStream in = PasswordPolicy.class.getResourceAsStream(PasswordPolicy.COMMON_LIST)) {
      assertThat(in).isNotNull();
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertThat(text.lines().count()).isEqualTo(10_000);
    }
    // case-insensitive duplicates ("Password"/"password") collapse
    assertThat(PasswordPolicy.load()).isBetween(9_800, 10_000);
  }

  @Test
  @DisplayName("Shorter than 8 characters is refused with a sentence naming the minimum")
  void tooShort() {
    assertThat(PasswordPolicy.problem("Xq7#pL2")).hasValue("The password must be at least 8 characters long.");
    assertThat(PasswordPolicy.problem(null)).isPresent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"password", "12345678", "PASSWORD", "PassWord", "iloveyou", "sunshine", "qwertyuiop"})
  @DisplayName("A common password is refused, whatever its case, with a clear sentence")
  void common(String password) {
    assertThat(PasswordPolicy.problem(password))
        .hasValue("The password is one of the 10,000 most common passwords; choose another.");
  }

  @Test
  @DisplayName("64 characters and more (up to 1024) are accepted; 1025 are refused")
  void long64() {
    assertThat(PasswordPolicy.problem("a-long-passphrase-".repeat(4))).isEmpty();
    assertThat(PasswordPolicy.problem("x".repeat(64))).isEmpty();
    assertThat(PasswordPolicy.problem("y".repeat(1_024))).isEmpty();
    assertThat(PasswordPolicy.problem("z".repeat(1_025))).hasValue("The password must be at most 1024 characters long.");
  }

  @Test
  @DisplayName("BOOTSTRAP_ADMIN_PASSWORD follows the same policy: a common one stops start-up with a sentence naming the setting")
  void bootstrapPassword() {
    var settings = dev.jwtauth.config.ConfigLoader.defaults().put("BOOTSTRAP_ADMIN_PASSWORD", "Password123");

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.jwtauth.config.AppConfig.from(settings))
        .isInstanceOf(dev.jwtauth.config.ConfigException.class)
        .hasMessageContaining("BOOTSTRAP_ADMIN_PASSWORD").hasMessageContaining("10,000 most common passwords");
  }

  @ParameterizedTest
  @ValueSource(strings = {"admin-password-1", "alice-password", "change-me-now", "dave-password", "correct horse battery"})
  @DisplayName("The passwords the tests and README use are not on the list")
  void testPasswordsAccepted(String password) {
    assertThat(PasswordPolicy.problem(password)).isEmpty();
  }
}
