package dev.jwtauth.testsupport;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A headless-browser script of {@code src/test/browser/} run by node with playwright-core driving
 * Debian's chromium: the one runner of the demo and console browser tests. A test without node,
 * {@code /usr/bin/chromium} or {@code node_modules/playwright-core} is skipped ({@code .ci/run}
 * installs them where it can).
 */
public final class BrowserScript {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path PLAYWRIGHT = Path.of("node_modules", "playwright-core");

  /** How a script run ended: whether within its time, its exit code (-1 if killed) and its output. */
  public record Outcome(boolean finished, int exitValue, String output) {
  }

  private BrowserScript() {
  }

  /** The node executable; skips the calling test when node, chromium or playwright-core is missing. */
  public static String node() {
    String node = findOnPath("node");
    assumeTrue(node != null, "node is not installed");
    assumeTrue(Files.isExecutable(CHROMIUM), CHROMIUM + " is not installed");
    assumeTrue(Files.isDirectory(PLAYWRIGHT), PLAYWRIGHT + " is missing (npm install)");
    return node;
  }

  /**
   * Runs {@code node script args…} with {@code env} added, its output (both streams) to {@code log};
   * killed with its children after {@code timeout}.
   */
  public static Outcome run(String node, Path script, Path log, Duration timeout, Map<String, String> env,
                            String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(node, script.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process process = pb.start();
    boolean finished = process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
    if (!finished) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
    return new Outcome(finished, finished ? process.exitValue() : -1, Files.readString(log, StandardCharsets.UTF_8));
  }

  private static String findOnPath(String program) {
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
}
