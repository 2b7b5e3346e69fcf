package dev.jwtauth.http;

import dev.jwtauth.testsupport.TestServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.File;
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
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path PLAYWRIGHT = Path.of("node_modules", "playwright-core");

  static String findOnPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }

  @Test
  @DisplayName("The demo.mjs walk-through passes in Chromium and leaves a screenshot")
  void demoInBrowser() throws IOException, InterruptedException {
    String node = findOnPath("node");
    assumeTrue(node != null, "node is not installed");
    assumeTrue(Files.isExecutable(CHROMIUM), CHROMIUM + " is not installed");
    assumeTrue(Files.isDirectory(PLAYWRIGHT), PLAYWRIGHT + " is missing (npm install)");
    Files.deleteIfExists(SCREENSHOT);
    int authPort = TestServer.freePort();
    int resourcePort = TestServer.freePort();
    try (TestServer server = TestServer.start(Map.of("CORS_ALLOWED_ORIGINS",
        "http://127.0.0.1:" + authPort + ",http://localhost:" + authPort), authPort, resourcePort)) {
      // localhost, like the default origin http://localhost:8080: a potentially trustworthy origin, so
      // Chromium keeps the Secure refresh cookie over plain HTTP
      String url = "http://localhost:" + authPort + "/demo";
      Path log = Path.of("target", "demo-browser.log");
      ProcessBuilder pb = new ProcessBuilder(List.of(node, SCRIPT.toString(), url, SCREENSHOT.toString()))
          .redirectErrorStream(true)
          .redirectOutput(log.toFile());
      pb.environment().put("DEMO_USERNAME", "admin");
      pb.environment().put("DEMO_PASSWORD", TestServer.ADMIN_PASSWORD);
      // DEMO_CLIENT is off here: part 2 of the page must say that it needs it
      pb.environment().put("DEMO_CODE_FLOW", "off");
      Process process = pb.start();
      boolean finished = process.waitFor(180, TimeUnit.SECONDS);
      if (!finished) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);

      assertThat(finished).as("demo.mjs finished within 180 s; output:%n%s", output).isTrue();
      assertThat(process.exitValue()).as("exit code of demo.mjs; output:%n%s", output).isZero();
      assertThat(SCREENSHOT).exists();
      assertThat(Files.size(SCREENSHOT)).isPositive();
    }
  }
}
