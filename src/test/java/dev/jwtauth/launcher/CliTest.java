package dev.jwtauth.launcher;

import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("The command line works against the configured database and keys, next to a running server")
class CliTest {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("LOCKOUT_THRESHOLD", 2, "LOCKOUT_SECONDS", 300));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static CliRun cli(String stdin, String... args) {
    return CliRun.of(server.config(), stdin, args);
  }

  @Test
  @DisplayName("user add, disable and unlock")
  void users() {
    CliRun added = cli("dave-password\n", "user", "add", "Dave", "--role", "user", "--role", "ops");
    assertThat(added.code()).isEqualTo(0);
    assertThat(added.out()).contains("created user dave").contains("[user, ops]");
    assertThat(server.login("dave", "dave-password").statusCode()).isEqualTo(200);
    assertThat(cli("other-password\n", "user", "add", "dave").code()).isEqualTo(2);
    assertThat(cli("short\n", "user", "add", "erin").code()).isEqualTo(2);

    server.login("dave", "wrong-1");
    server.login("dave", "wrong-2");
    assertThat(server.login("dave", "dave-password").statusCode()).isEqualTo(429);
    assertThat(cli("", "user", "unlock", "dave").code()).isEqualTo(0);
    assertThat(server.login("dave", "dave-password").statusCode()).isEqualTo(200);

    assertThat(cli("", "user", "disable", "dave").code()).isEqualTo(0);
    assertThat(server.login("dave", "dave-password").statusCode()).isEqualTo(401);
    assertThat(cli("", "user", "disable", "nobody").code()).isEqualTo(2);
  }

  @Test
  @DisplayName("client add prints a secret that works for client_credentials")
  void clients() {
    CliRun added = cli("", "client", "add", "cli-client", "--role", "reports", "--scope", "reports:read");
    assertThat(added.code()).isEqualTo(0);
    String secret = added.out().lines().filter(l -> l.startsWith("client_secret=")).findFirst().orElseThrow()
        .substring("client_secret=".length()).split(" ")[0];
    String basic = "Basic " + Base64.getEncoder().encodeToString(("cli-client:" + secret).getBytes(StandardCharsets.UTF_8));
    var token = server.postForm("/oauth2/token", basic, Map.of("grant_type", "client_credentials"));
    assertThat(token.statusCode()).isEqualTo(200);
    assertThat(cli("", "client", "add", "cli-client").code()).isEqualTo(2);
  }

  @Test
  @DisplayName("keys list and keys rotate; the running server picks the new key up")
  void keys() {
    String before = server.keys().active().kid();
    assertThat(cli("", "keys", "list").out()).contains(before + "  RS256").contains("ACTIVE");
    CliRun rotated = cli("", "keys", "rotate");
    assertThat(rotated.code()).isEqualTo(0);
    String kid = rotated.out().split(" ")[3];
    assertThat(kid).matches("[0-9a-z]+-[0-9a-f]{4}").isNotEqualTo(before);
    boolean seen = false;
    for (int i = 0; i < 150 && !seen; i++) {
      String token = server.accessToken("admin", TestServer.ADMIN_PASSWORD);
      seen = kid.equals(Jwts.part(token, 0).getString("kid"));
      if (seen) {
        assertThat(server.getResource("/api/me", token).statusCode()).isEqualTo(200);
      } else {
        server.app().vertx().timer(100).await();
      }
    }
    assertThat(seen).as("the server signs with the key made by the command line").isTrue();
  }

  @Test
  @DisplayName("next to a server on the embedded PostgreSQL, the command line (another process) connects with its password file")
  void embeddedDatabase() throws Exception {
    Path dataDir = TestServer.tempDir("cli-data");
    try (TestServer embedded = TestServer.start(Map.of("PG_URI", "", "DATA_DIR", dataDir.toString()))) {
      ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), Main.class.getName(), "user", "add", "frank")
          .redirectErrorStream(true);
      pb.environment().put("DATA_DIR", dataDir.toAbsolutePath().toString());
      pb.environment().put("KEYS_DIR", embedded.config().keysDir().toAbsolutePath().toString());
      Process p = pb.start();
      try (var stdin = p.getOutputStream()) {
        stdin.write("frank-password\n".getBytes(StandardCharsets.UTF_8));
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isEqualTo(0);
      assertThat(out).contains("created user frank").doesNotContain(Files.readString(
          dataDir.resolve("pg-credentials").resolve("jwtauth.password")).strip());
      assertThat(embedded.login("frank", "frank-password").statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("an unknown command prints the usage and exits 64")
  void usage() {
    assertThat(cli("", "frobnicate").code()).isEqualTo(64);
    assertThat(cli("", "user", "add").code()).isEqualTo(64);
  }
}
