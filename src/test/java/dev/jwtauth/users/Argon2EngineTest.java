package dev.jwtauth.users;

import dev.jwtauth.config.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@DisplayName("argon2id engine: native where it loads, BouncyCastle otherwise, the same bytes either way")
class Argon2EngineTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @AfterEach
  void back() {
    Argon2Engine.select("auto");
  }

  @Test
  @DisplayName("auto picks the native implementation on this platform (linux x86-64 ships its library)")
  void autoIsNativeHere() {
    Argon2Engine engine = Argon2Engine.select("auto");
    assumeTrue(System.getProperty("os.arch").matches("amd64|x86_64|aarch64"), "a platform argon2-jvm ships");
    assertThat(engine.name()).isEqualTo("argon2-native");
    assertThat(engine.toJson().getString("reason")).isEqualTo("ARGON2_PROVIDER=auto");
  }

  @Test
  @DisplayName("native and BouncyCastle derive identical bytes with the server's parameters")
  void sameBytes() {
    Argon2Engine nativeEngine = Argon2Engine.select("native");
    for (int i = 0; i < 3; i++) {
      byte[] salt = new byte[16];
      RANDOM.nextBytes(salt);
      byte[] password = ("pässwörd-" + RANDOM.nextInt()).getBytes(StandardCharsets.UTF_8);
      assertThat(nativeEngine.derive(password, salt, 19_456, 2, 1, 32))
          .isEqualTo(Argon2Engine.bouncyCastle(password, salt, 19_456, 2, 1, 32));
    }
  }

  @Test
  @DisplayName("a hash made under one engine verifies under the other, and a wrong password fails under both")
  void crossVerify() {
    Argon2Engine.select("java");
    String phc = new PasswordHasher(null, 8_192, 2, 1).hashBlocking("correct horse");
    Argon2Engine.select("native");
    assertThat(PasswordHasher.verifyBlocking(phc, "correct horse")).isTrue();
    assertThat(PasswordHasher.verifyBlocking(phc, "correct horsE")).isFalse();
    String nativePhc = new PasswordHasher(null, 8_192, 2, 1).hashBlocking("battery staple");
    Argon2Engine.select("java");
    assertThat(PasswordHasher.verifyBlocking(nativePhc, "battery staple")).isTrue();
    assertThat(PasswordHasher.verifyBlocking(nativePhc, "battery stapl")).isFalse();
  }

  @Test
  @DisplayName("a bad ARGON2_PROVIDER stops start-up with a sentence naming the setting")
  void badSetting() {
    assertThatThrownBy(() -> Argon2Engine.select("fast")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("ARGON2_PROVIDER");
  }
}
