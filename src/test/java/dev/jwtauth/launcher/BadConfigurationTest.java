package dev.jwtauth.launcher;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.keys.KeyFiles;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("A bad configuration stops start-up with one clear sentence naming the setting")
class BadConfigurationTest {

  private static JsonObject settings() {
    return TestServer.baseSettings().put("AUTH_HTTP_PORT", TestServer.freePort()).put("RESOURCE_HTTP_PORT", TestServer.freePort());
  }

  private static ConfigException startFails(JsonObject settings) {
    AppConfig cfg = AppConfig.from(settings);
    try (App app = App.start(cfg, Clock.systemUTC(), false)) {
      throw new AssertionError("start-up should have failed, but the server started");
    } catch (ConfigException e) {
      return e;
    }
  }

  @Test
  @DisplayName("invalid values name their setting")
  void invalidValues() {
    assertThatThrownBy(() -> AppConfig.from(settings().put("ROLES", "bogus")))
        .isInstanceOf(ConfigException.class).hasMessage("ROLES must be one of all, auth, resource, not 'bogus'.");
    assertThatThrownBy(() -> AppConfig.from(settings().put("AUTH_HTTP_PORT", "eighty")))
        .hasMessage("AUTH_HTTP_PORT must be a whole number, not 'eighty'.");
    assertThatThrownBy(() -> AppConfig.from(settings().put("ARGON2_MEMORY_KIB", 1024)))
        .hasMessageStartingWith("ARGON2_MEMORY_KIB must be between 19456");
    assertThatThrownBy(() -> AppConfig.from(settings().put("SIGNING_ALG", "HS256")))
        .hasMessageStartingWith("SIGNING_ALG must be one of");
    assertThatThrownBy(() -> AppConfig.from(settings().put("PG_URI", "mysql://x")))
        .hasMessageStartingWith("PG_URI must be a URI like postgresql://");
    assertThatThrownBy(() -> AppConfig.from(settings().put("ISSUER", "not a url")))
        .hasMessageStartingWith("ISSUER must be an http(s) URL");
  }

  @Test
  @DisplayName("an unreadable key file is named")
  void corruptKeyFile() throws IOException {
    JsonObject s = settings();
    Path keys = Path.of(s.getString("KEYS_DIR"));
    Files.writeString(keys.resolve("RS256-tp0000-abcd.key.pem"), "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
    Files.writeString(keys.resolve("RS256-tp0000-abcd.pub.pem"), "garbage");
    ConfigException e = startFails(s);
    assertThat(e.getMessage()).startsWith("Key file ").contains("RS256-tp0000-abcd.key.pem").contains("is not a valid PEM");
  }

  @Test
  @DisplayName("a key of the wrong type for its algorithm is named")
  void wrongKeyType() throws IOException {
    JsonObject s = settings();
    Path keys = Path.of(s.getString("KEYS_DIR"));
    KeyFiles.create(keys, SigningAlgorithm.RS256, System.currentTimeMillis() / 1000);
    try (var files = Files.list(keys)) {
      for (Path p : files.toList()) {
        String name = p.getFileName().toString();
        Files.move(p, keys.resolve(name.replace("RS256-", "ES256-")));
      }
    }
    ConfigException e = startFails(s.put("SIGNING_ALG", "ES256"));
    assertThat(e.getMessage()).startsWith("Key file ").contains("ES256-");
  }

  @Test
  @DisplayName("an unreachable PG_URI names the host and hides the password")
  void unreachableDatabase() {
    int nothing = TestServer.freePort();
    ConfigException e = startFails(settings().put("PG_URI", "postgresql://app:s3cret-pw@127.0.0.1:" + nothing + "/app"));
    assertThat(e.getMessage()).startsWith("Cannot connect to PostgreSQL at 127.0.0.1:" + nothing + "/app")
        .doesNotContain("s3cret-pw");
  }

  @Test
  @DisplayName("a port in use is named")
  void portInUse() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      ConfigException e = startFails(settings().put("AUTH_HTTP_PORT", taken.getLocalPort()));
      assertThat(e.getMessage()).isEqualTo("AUTH_HTTP_PORT " + taken.getLocalPort()
          + " is already in use on 127.0.0.1; stop the other process or choose another port.");
    }
  }

  @Test
  @DisplayName("the launcher prints the sentence, no stack trace, and exits with 2")
  void launcherExits() throws Exception {
    Path cwd = TestServer.tempDir("cwd");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
    pb.environment().put("AUTH_HTTP_PORT", "eighty");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out).contains("Cannot start: AUTH_HTTP_PORT must be a whole number, not 'eighty'.")
        .doesNotContain("Exception").doesNotContain("\tat ");
  }
}
