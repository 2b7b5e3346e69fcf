package dev.jwtauth.http;

import dev.jwtauth.testsupport.BrowserScript;
import dev.jwtauth.testsupport.TestServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin console in a real headless browser: {@code src/test/browser/console.mjs} (playwright-core
 * driving Debian's chromium, at 1280×800) signs in as the admin, creates a user, changes its roles,
 * disables it, and reads the audit entry of each of the three changes in the console's audit view;
 * it also sees the API's error text for a wrong password and a duplicate user, and writes
 * {@code target/console-*.png}. Skipped when node, {@code /usr/bin/chromium} or
 * {@code node_modules/playwright-core} is missing, like {@link DemoPageBrowserTest}.
 */
@Tag("slow")
@DisplayName("Admin console in headless Chromium: sign in, create a user, change a role, disable, read the audit entries")
class ConsoleBrowserTest {
  static final Path SCRIPT = Path.of("src", "test", "browser", "console.mjs");
  static final Path SHOTS = Path.of("target");
  static final List<String> SCREENSHOTS = List.of("console-users.png", "console-user-detail.png", "console-audit.png",
      "console-account.png");

  @Test
  @DisplayName("The console.mjs walk-through passes in Chromium and leaves its screenshots under target/")
  void consoleInBrowser() throws IOException, InterruptedException {
    String node = BrowserScript.node();
    Files.createDirectories(SHOTS);
    for (String shot : SCREENSHOTS) {
      Files.deleteIfExists(SHOTS.resolve(shot));
    }
    int authPort = TestServer.freePort();
    try (TestServer server = TestServer.start(Map.of(), authPort, 0)) {
      // localhost: a potentially trustworthy origin, so Chromium keeps the Secure refresh cookie over plain HTTP
      String url = "http://localhost:" + authPort + "/console";
      Path log = SHOTS.resolve("console-browser.log");
      BrowserScript.Outcome run = BrowserScript.run(node, SCRIPT, log, Duration.ofSeconds(240), Map.of(
          "CONSOLE_USERNAME", "admin", "CONSOLE_PASSWORD", TestServer.ADMIN_PASSWORD), url, SHOTS.toString());
      String output = run.output();

      assertThat(run.finished()).as("console.mjs finished within 240 s; output:%n%s", output).isTrue();
      assertThat(run.exitValue()).as("exit code of console.mjs; output:%n%s", output).isZero();
      assertThat(output).contains("console OK");
      for (String shot : SCREENSHOTS) {
        assertThat(SHOTS.resolve(shot)).exists();
        assertThat(Files.size(SHOTS.resolve(shot))).as(shot).isPositive();
      }
    }
  }
}
