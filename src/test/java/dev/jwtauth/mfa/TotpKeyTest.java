package dev.jwtauth.mfa;

import dev.jwtauth.config.ConfigException;
import dev.jwtauth.testsupport.TestServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The TOTP secrets' key: KEYS_DIR/totp.key, 32 bytes, 0600, AES-256-GCM bound to the user id")
class TotpKeyTest {

  @Test
  @DisplayName("Made on first start with mode 0600 and 32 bytes; read back, not replaced, on the next")
  void createdOwnerOnly() throws Exception {
    Path dir = TestServer.tempDir("totpkey").resolve("nested");
    TotpKey first = TotpKey.loadOrCreate(dir);
    Path file = dir.resolve(TotpKey.FILE);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.size(file)).isEqualTo(32);
    byte[] before = Files.readAllBytes(file);
    UUID owner = UUID.randomUUID();
    byte[] sealed = first.seal(owner, new byte[] {1, 2, 3});

    TotpKey second = TotpKey.loadOrCreate(dir);
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(second.open(owner, sealed)).containsExactly(1, 2, 3);
  }

  @Test
  @DisplayName("A key file of the wrong size stops start-up with one sentence naming KEYS_DIR")
  void badKey() throws Exception {
    Path dir = TestServer.tempDir("totpkey");
    Files.write(dir.resolve(TotpKey.FILE), new byte[7]);

    assertThatThrownBy(() -> TotpKey.loadOrCreate(dir)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("KEYS_DIR").hasMessageContaining("32 bytes").hasMessageNotContaining("\n");
  }

  @Test
  @DisplayName("A server whose KEYS_DIR holds a bad totp.key does not start: one sentence naming KEYS_DIR")
  void badKeyStopsServer() throws Exception {
    Path dir = TestServer.tempDir("keys");
    Files.write(dir.resolve(TotpKey.FILE), new byte[33]);

    assertThatThrownBy(() -> TestServer.start(java.util.Map.of("KEYS_DIR", dir.toString())))
        .isInstanceOf(ConfigException.class).hasMessageContaining("KEYS_DIR").hasMessageContaining(TotpKey.FILE);
  }

  @Test
  @DisplayName("Sealing is randomised, and a sealed secret opens only for its owner and only with its key")
  void boundToOwner() {
    TotpKey key = TotpKey.loadOrCreate(TestServer.tempDir("totpkey"));
    TotpKey other = TotpKey.loadOrCreate(TestServer.tempDir("totpkey"));
    UUID owner = UUID.randomUUID();
    byte[] secret = Totp.newSecret();
    byte[] sealed = key.seal(owner, secret);

    assertThat(key.seal(owner, secret)).isNotEqualTo(sealed);
    assertThat(sealed).hasSize(12 + 20 + 16);
    assertThat(key.open(owner, sealed)).isEqualTo(secret);
    assertThatThrownBy(() -> key.open(UUID.randomUUID(), sealed)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> other.open(owner, sealed)).isInstanceOf(IllegalStateException.class);
  }
}
