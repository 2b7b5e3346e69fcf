package dev.jwtauth.http;

import dev.jwtauth.testsupport.TestServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
    String node = DemoPageBrowserTest.findOnPath("node");
    assumeTrue(node != null, "node is not installed");
    assumeTrue(Files.isExecutable(DemoPageBrowserTest.CHROMIUM), DemoPageBrowserTest.CHROMIUM + " is not installed");
    assumeTrue(Files.isDirectory(DemoPageBrowserTest.PLAYWRIGHT), DemoPageBrowserTest.PLAYWRIGHT + " is missing (npm install)");
    Files.createDirectories(SHOTS);
    for (String shot : SCREENSHOTS) {
      Files.deleteIfExists(SHOTS.resolve(shot));
    }
    int authPort = TestServer.freePort();
    try (TestServer server = TestServer.start(Map.of(), authPort, 0)) {
      // localhost: a potentially trustworthy origin, so Chromium keeps the Secure refresh cookie over plain HTTP
      String url = "http://localhost:" + authPort + "/console";
      Path log = SHOTS.resolve("console-browser.log");
      ProcessBuilder pb = new ProcessBuilder(List.of(node, SCRIPT.toString(), url, SHOTS.toString()))
          .redirectErrorStream(true)
          .redirectOutput(log.toFile());
      pb.environment().put("CONSOLE_USERNAME", "admin");
      pb.environment().put("CONSOLE_PASSWORD", TestServer.ADMIN_PASSWORD);
      Process process = pb.start();
      boolean finished = process.waitFor(240, TimeUnit.SECONDS);
      if (!finished) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);

      assertThat(finished).as("console.mjs finished within 240 s; output:%n%s", output).isTrue();
      assertThat(process.exitValue()).as("exit code of console.mjs; output:%n%s", output).isZero();
      assertThat(output).contains("console OK");
      for (String shot : SCREENSHOTS) {
        assertThat(SHOTS.resolve(shot)).exists();
        assertThat(Files.size(SHOTS.resolve(shot))).as(shot).isPositive();
      }
    }
  }
}
