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
 * Part 2 of the demo page in a real headless browser: {@code src/test/browser/demo-codeflow.mjs}
 * (playwright-core driving Debian's chromium) starts the code flow with PKCE from the page, types
 * the username and password into the server's sign-in page, comes back to the page, which redeems
 * the code with a DPoP proof from its non-extractable WebCrypto key, then calls {@code /api/me} with
 * a proof (200), the same token as Bearer (401) and with a proof for another URL (401), refreshes
 * with a proof, logs out and sees {@code /api/me} refuse the token; it writes
 * {@code target/demo-codeflow-signin.png} and {@code target/demo-codeflow-screenshot.png}. The
 * server runs with {@code DEMO_CLIENT=true} and {@code ISSUER} at the page's origin. Skipped when
 * node, {@code /usr/bin/chromium} or {@code node_modules/playwright-core} is missing.
 */
@Tag("slow")
@DisplayName("Demo page in headless Chromium: code flow with PKCE on the sign-in page, DPoP-bound token, copied token refused")
class DemoCodeFlowBrowserTest {
  static final Path SCRIPT = Path.of("src", "test", "browser", "demo-codeflow.mjs");
  static final Path SCREENSHOT = Path.of("target", "demo-codeflow-screenshot.png");
  static final Path SIGN_IN_SCREENSHOT = Path.of("target", "demo-codeflow-signin.png");

  @Test
  @DisplayName("Sign in on the server's page, DPoP token bound to the browser's key: /api/me 200, as Bearer 401, other URL 401, refresh, logout")
  void codeFlowInBrowser() throws IOException, InterruptedException {
    String node = BrowserScript.node();
    Files.deleteIfExists(SCREENSHOT);
    Files.deleteIfExists(SIGN_IN_SCREENSHOT);
    int authPort = TestServer.freePort();
    int resourcePort = TestServer.freePort();
    // the page's origin is ISSUER's (localhost: a secure context for WebCrypto over plain HTTP), so the
    // demo client's redirect URI ISSUER/demo/ is the page itself
    String origin = "http://localhost:" + authPort;
    try (TestServer server = TestServer.start(Map.of("CORS_ALLOWED_ORIGINS", origin, "ISSUER", origin,
        "DEMO_CLIENT", "true"), authPort, resourcePort)) {
      Path log = Path.of("target", "demo-codeflow-browser.log");
      BrowserScript.Outcome run = BrowserScript.run(node, SCRIPT, log, Duration.ofSeconds(180), Map.of(
          "DEMO_USERNAME", "admin", "DEMO_PASSWORD", TestServer.ADMIN_PASSWORD), origin + "/demo/", SCREENSHOT.toString());
      String output = run.output();

      assertThat(run.finished()).as("demo-codeflow.mjs finished within 180 s; output:%n%s", output).isTrue();
      assertThat(run.exitValue()).as("exit code of demo-codeflow.mjs; output:%n%s", output).isZero();
      assertThat(SCREENSHOT).exists();
      assertThat(SIGN_IN_SCREENSHOT).exists();
      assertThat(Files.size(SCREENSHOT)).isPositive();
    }
  }
}
