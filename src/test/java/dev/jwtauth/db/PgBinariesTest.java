package dev.jwtauth.db;

import dev.jwtauth.config.ConfigException;
import dev.jwtauth.testsupport.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("The jar carries PostgreSQL 17 for Linux x86-64, Linux ARM64 and macOS ARM64, and says what to do elsewhere")
class PgBinariesTest {
  private String osName;
  private String osArch;

  @BeforeEach
  void remember() {
    osName = System.getProperty("os.name");
    osArch = System.getProperty("os.arch");
  }

  @AfterEach
  void restore() {
    System.setProperty("os.name", osName);
    System.setProperty("os.arch", osArch);
  }

  private static void platform(String name, String arch) {
    System.setProperty("os.name", name);
    System.setProperty("os.arch", arch);
  }

  @Test
  @DisplayName("each supported platform maps to an archive on the class path, and only that one is picked")
  void supportedPlatforms() {
    String[][] cases = {{"Linux", "amd64", "linux-x86_64"}, {"Linux", "aarch64", "linux-arm_64"},
        {"Mac OS X", "aarch64", "darwin-arm_64"}};
    for (String[] c : cases) {
      platform(c[0], c[1]);
      assertThat(PgBinaries.platform()).as(c[0] + " " + c[1]).isEqualTo(c[2]);
      assertThat(getClass().getClassLoader().getResource("postgres-" + c[2] + ".txz")).as(c[2]).isNotNull();
    }
    platform("Linux", "amd64");
    assertThat(PgBinaries.hasPrevious()).as("PostgreSQL 14 on Linux x86-64, to upgrade").isTrue();
    platform("Linux", "aarch64");
    assertThat(PgBinaries.hasPrevious()).as("nor anywhere else").isFalse();
  }

  @Test
  @DisplayName("elsewhere, start-up stops with one sentence naming the platform and PG_URI")
  void unsupportedPlatform() {
    for (String[] c : new String[][] {{"Windows 11", "amd64"}, {"Mac OS X", "x86_64"}, {"Linux", "ppc64le"}}) {
      platform(c[0], c[1]);
      Path dataDir = TestServer.tempDir("unsupported");
      assertThatThrownBy(() -> EmbeddedDatabase.start(dataDir, 0, false)).as(c[0] + " " + c[1])
          .isInstanceOf(ConfigException.class)
          .hasMessage("The embedded PostgreSQL has no binaries for this platform (" + c[0] + " " + c[1]
              + "; there are for Linux x86-64, Linux ARM64 and macOS ARM64); set PG_URI to an external PostgreSQL.");
    }
  }

  @Test
  @DisplayName("a PostgreSQL 14 data folder on a platform without the 14 binaries stops start-up with one sentence")
  void previousDataElsewhere() throws Exception {
    Path dataDir = TestServer.tempDir("pg14-on-arm").toAbsolutePath();
    Files.createDirectories(dataDir.resolve("pg"));
    Files.writeString(dataDir.resolve("pg").resolve("PG_VERSION"), "14\n");
    platform("Linux", "aarch64");
    assertThatThrownBy(() -> PgUpgrade.prepare(dataDir, dataDir.resolve("no-binaries"), null, false))
        .isInstanceOf(ConfigException.class)
        .hasMessage("DATA_DIR " + dataDir + " holds PostgreSQL 14 data, which this server upgrades to 17 only on Linux"
            + " x86-64 (where the releases that ran 14 ran); upgrade it there first, or set PG_URI.");
    Files.writeString(dataDir.resolve("pg").resolve("PG_VERSION"), "12\n");
    assertThatThrownBy(() -> PgUpgrade.prepare(dataDir, dataDir.resolve("no-binaries"), null, false))
        .isInstanceOf(ConfigException.class)
        .hasMessage("DATA_DIR " + dataDir + " holds PostgreSQL 12 data, which this server cannot run or upgrade (only 14);"
            + " set PG_URI or choose another DATA_DIR.");
  }
}
