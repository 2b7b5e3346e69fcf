package dev.jwtauth.testsupport;

import dev.jwtauth.launcher.Main;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The server in a JVM of its own ({@link Main} on the test class path, or a jar), so that a test
 * can cluster several, or kill one with {@code kill -9}. Settings go in as environment variables,
 * as in production; stdout and stderr go to a log file in the process's directory (appended, so a
 * restarted process keeps the earlier run's lines). {@link #close()} stops it if still running.
 *
 * <pre>{@code
 * JsonObject settings = TestServer.baseSettings();
 * try (ServerProcess p = ServerProcess.in(TestServer.tempDir("crash"))
 *     .settings(settings, "PG_URI", "KEYS_DIR", "BOOTSTRAP_ADMIN_PASSWORD")
 *     .env("AUTH_HTTP_PORT", "" + auth).env("RESOURCE_HTTP_PORT", "" + resource).start()) {
 *   p.awaitHealthy(resource);
 *   ...
 *   p.kill();
 * }
 * }</pre>
 */
public final class ServerProcess implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Builder spec;
  private Process process;

  private ServerProcess(Builder spec) {
    this.spec = spec;
  }

  /** A process to run in {@code dir} (its working directory, where the log goes). */
  public static Builder in(Path dir) {
    return new Builder(dir);
  }

  /** How to start the process; {@link #start()} may be called again to relaunch it identically. */
  public static final class Builder {
    private final Path dir;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> jvmArgs = new ArrayList<>();
    private String logName = "server.log";
    private Path jar;
    private String classpath;
    private String main;

    private Builder(Path dir) {
      this.dir = dir;
      env.put("HTTP_HOST", "127.0.0.1");
    }

    /** One environment variable (a setting, by its documented name). */
    public Builder env(String name, Object value) {
      env.put(name, String.valueOf(value));
      return this;
    }

    /** Several environment variables. */
    public Builder env(Map<String, ?> values) {
      values.forEach(this::env);
      return this;
    }

    /** The named settings of {@code settings} (such as {@link TestServer#baseSettings()}) as environment variables. */
    public Builder settings(JsonObject settings, String... names) {
      for (String name : names) {
        env(name, settings.getValue(name));
      }
      return this;
    }

    /** JVM options before the main class (e.g. {@code -Xmx256m}). */
    public Builder jvmArgs(String... args) {
      jvmArgs.addAll(List.of(args));
      return this;
    }

    /** The log file's name in the directory (default {@code server.log}). */
    public Builder log(String fileName) {
      this.logName = fileName;
      return this;
    }

    /** Runs {@code java -jar jar} instead of the launcher on the test class path. */
    public Builder jar(Path jar) {
      this.jar = jar;
      return this;
    }

    /**
     * Runs {@code java -cp classpath main} instead of the launcher: another program (a main class, or
     * a single source file that the JVM compiles at launch, JEP 330) on a class path of the test's choice.
     */
    public Builder main(String classpath, String main) {
      this.classpath = classpath;
      this.main = main;
      return this;
    }

    /** Starts the process (not waiting for it to be ready). */
    public ServerProcess start() {
      ServerProcess p = new ServerProcess(this);
      p.launch();
      return p;
    }
  }

  private void launch() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(spec.jvmArgs);
    if (spec.main != null) {
      command.addAll(List.of("-cp", spec.classpath, spec.main));
    } else if (spec.jar != null) {
      command.addAll(List.of("-jar", spec.jar.toAbsolutePath().toString()));
    } else {
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    }
    ProcessBuilder pb = new ProcessBuilder(command).directory(spec.dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
    pb.environment().putAll(spec.env);
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts the process again with the same command, environment and log, after {@link #kill()} or {@link #stop()}. */
  public ServerProcess restart() {
    if (process.isAlive()) {
      throw new IllegalStateException("the process is still running");
    }
    launch();
    return this;
  }

  public Process process() {
    return process;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The log file (stdout and stderr of every run). */
  public Path log() {
    return spec.dir.resolve(spec.logName);
  }

  /** The log so far. */
  public String logText() {
    try {
      return Files.exists(log()) ? Files.readString(log()) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until {@code GET /ready} on {@code port} answers 200 (both origins serve it). */
  public ServerProcess awaitReady(int port) {
    return awaitStatus(port, "/ready", 200);
  }

  /** Waits until {@code GET /health} on {@code port} answers 200. */
  public ServerProcess awaitHealthy(int port) {
    return awaitStatus(port, "/health", 200);
  }

  /**
   * Polls {@code GET path} on {@code port} until it answers {@code status}; fails at once, with the
   * log's last lines, if the process exits, and after a minute if it never answers.
   */
  public ServerProcess awaitStatus(int port, String path, int status) {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(2)).GET().build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("server process exited with " + process.exitValue() + " before " + path
            + " on port " + port + " answered " + status + "; log ends:\n" + logTail(30));
      }
      try {
        if (HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == status) {
          return this;
        }
      } catch (IOException notListeningYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for the server process", e);
      }
      pause();
    }
    throw new AssertionError("server process: " + path + " on port " + port + " did not answer " + status
        + " within " + START_TIMEOUT.toSeconds() + " s; log ends:\n" + logTail(30));
  }

  /** {@code kill -9}: no shutdown hook runs. Returns once the process is gone. */
  public void kill() {
    process.destroyForcibly();
    awaitExit();
  }

  /** A normal stop (SIGTERM: shutdown hooks run). Returns once the process is gone. */
  public void stop() {
    process.destroy();
    awaitExit();
  }

  /** Stops the process if it still runs. */
  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      stop();
    }
  }

  private void awaitExit() {
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new AssertionError("server process did not exit within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting for the server process to exit", e);
    }
  }

  private String logTail(int lines) {
    List<String> all = logText().lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  private static void pause() {
    try {
      Thread.sleep(POLL_INTERVAL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while polling the server process", e);
    }
  }
}
