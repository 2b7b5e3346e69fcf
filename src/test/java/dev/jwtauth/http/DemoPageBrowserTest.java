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
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo page in a real headless browser: {@code src/test/browser/demo.mjs} (playwright-core
 * driving Debian's chromium) logs in, reads the decoded payload, calls {@code /api/me} across
 * origins, refreshes with the HttpOnly cookie, logs out, sees {@code /api/me} refuse the token, and
 * writes {@code target/demo-screenshot.png}. Skipped when node, {@code /usr/bin/chromium} or
 * {@code node_modules/playwright-core} is missing ({@code .ci/run} installs them where it can).
 */
@Tag("slow")
@DisplayName("Demo page in headless Chromium: login, decoded payload, /api/me, refresh, logout")
class DemoPageBrowserTest {
  static final Path SCRIPT = Path.of("src", "test", "browser", "demo.mjs");
  static final Path SCREENSHOT = Path.of("target", "demo-screenshot.png");
  @Test
  @DisplayName("The demo.mjs walk-through passes in Chromium and leaves a screenshot")
  void demoInBrowser() throws IOException, InterruptedException {
    String node = BrowserScript.node();
    Files.deleteIfExists(SCREENSHOT);
    int authPort = TestServer.freePort();
    int resourcePort = TestServer.freePort();
    try (TestServer server = TestServer.start(Map.of("CORS_ALLOWED_ORIGINS",
        "http://127.0.0.1:" + authPort + ",http://localhost:" + authPort), authPort, resourcePort)) {
      // localhost, like the default origin http://localhost:8080: a potentially trustworthy origin, so
      // Chromium keeps the Secure refresh cookie over plain HTTP
      String url = "http://localhost:" + authPort + "/demo";
      Path log = Path.of("target", "demo-browser.log");
      // DEMO_CLIENT is off here: part 2 of the page must say that it needs it
      BrowserScript.Outcome run = BrowserScript.run(node, SCRIPT, log, Duration.ofSeconds(180), Map.of(
          "DEMO_USERNAME", "admin", "DEMO_PASSWORD", TestServer.ADMIN_PASSWORD, "DEMO_CODE_FLOW", "off"),
          url, SCREENSHOT.toString());
      String output = run.output();

      assertThat(run.finished()).as("demo.mjs finished within 180 s; output:%n%s", output).isTrue();
      assertThat(run.exitValue()).as("exit code of demo.mjs; output:%n%s", output).isZero();
      assertThat(SCREENSHOT).exists();
      assertThat(Files.size(SCREENSHOT)).isPositive();
    }
  }
}
