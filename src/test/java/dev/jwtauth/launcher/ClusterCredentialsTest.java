package dev.jwtauth.launcher;

import dev.jwtauth.bus.ClusterCredentials;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.testsupport.TestServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("'cluster credentials DIR' makes a new cluster's credentials, private and never overwritten")
class ClusterCredentialsTest {
  private static final List<String> FILES = List.of("cluster.secret", "member.crt.pem", "member.key.pem");

  private static String perms(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  @DisplayName("the jar's command makes DIR 0700 with files 0600, and refuses a second run on the same DIR")
  void commandLine() throws Exception {
    Path dir = TestServer.tempDir("creds").toAbsolutePath().resolve("new");
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "cluster", "credentials", dir.toString());
    Process first = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(first.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(first.exitValue()).as(out).isEqualTo(0);
    assertThat(out).contains("CLUSTER_CREDENTIALS=" + dir);
    assertThat(perms(dir)).isEqualTo("rwx------");
    for (String f : FILES) {
      assertThat(perms(dir.resolve(f))).as(f).isEqualTo("rw-------");
    }
    String secret = Files.readString(dir.resolve("cluster.secret"));
    assertThat(out).doesNotContain(secret.trim());

    Process again = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String refused = new String(again.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(again.exitValue()).isEqualTo(2);
    assertThat(refused).contains("already holds cluster credentials").contains("refusing to overwrite")
        .doesNotContain("Exception");
    assertThat(Files.readString(dir.resolve("cluster.secret"))).isEqualTo(secret);
  }

  @Test
  @DisplayName("the command needs exactly one folder")
  void usage() {
    assertThat(Cli.clusterCredentials(List.of(), new PrintStream(new ByteArrayOutputStream()))).isEqualTo(64);
  }

  @Test
  @DisplayName("two sets of credentials name two different clusters; a copy names the same one")
  void clusterNames() throws Exception {
    Path a = TestServer.tempDir("creds").resolve("a");
    Path b = TestServer.tempDir("creds").resolve("b");
    String nameA = ClusterCredentials.create(a).clusterName();
    assertThat(nameA).matches("jwt-auth-server-[0-9a-f]{32}");
    assertThat(ClusterCredentials.create(b).clusterName()).isNotEqualTo(nameA);
    Path copy = TestServer.tempDir("creds").resolve("copy");
    Files.createDirectories(copy);
    for (String f : FILES) {
      Files.copy(a.resolve(f), copy.resolve(f));
    }
    assertThat(ClusterCredentials.load(copy).clusterName()).isEqualTo(nameA);
  }

  @Test
  @DisplayName("CLUSTER=true without CLUSTER_CREDENTIALS, or with an incomplete folder, stops start-up naming the setting")
  void badSettings() throws Exception {
    assertThatThrownBy(() -> AppConfig.from(TestServer.baseSettings().put("CLUSTER", true)))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("CLUSTER=true needs CLUSTER_CREDENTIALS");

    Path incomplete = TestServer.tempDir("creds").resolve("incomplete");
    ClusterCredentials.create(incomplete);
    Files.delete(incomplete.resolve("member.key.pem"));
    AppConfig cfg = AppConfig.from(TestServer.baseSettings().put("AUTH_HTTP_PORT", TestServer.freePort())
        .put("RESOURCE_HTTP_PORT", TestServer.freePort()).put("CLUSTER", true)
        .put("CLUSTER_PORT", TestServer.freePort()).put("CLUSTER_CREDENTIALS", incomplete.toString()));
    assertThatThrownBy(() -> App.start(cfg, Clock.systemUTC(), false).close())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("CLUSTER_CREDENTIALS names " + incomplete.toAbsolutePath())
        .hasMessageContaining("no readable member.key.pem");

    Files.writeString(incomplete.resolve("member.key.pem"), "not a key");
    assertThatThrownBy(() -> App.start(cfg, Clock.systemUTC(), false).close())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not valid cluster credentials");
  }
}
