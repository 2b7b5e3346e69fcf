package dev.jwtauth;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The container image tar that {@code mvn -B -Pimage package} writes ({@code target/jib-image.tar},
 * Docker format), read without a container runtime: its config (entrypoint, user, ports, environment)
 * and its layers, and its entrypoint run with this machine's java on an extracted copy of the layers.
 * CI builds the tar on the {@code scratch} base first ({@code .ci/run}); elsewhere the test is skipped
 * when there is no tar.
 */
@Tag("slow")
@DisplayName("The container image: non-root, container JVM options, ports and settings, and its entrypoint runs the jar")
class ImageConfigTest {
  private static final Path TAR = Path.of("target", "jib-image.tar");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static Path image;
  private static JsonObject config;
  private static Path root;

  @BeforeAll
  static void unpack() throws Exception {
    if (!Files.isRegularFile(TAR)) {
      assertThat(System.getenv("CI")).as("CI builds " + TAR + " before the tests (.ci/run)").isNull();
      Assumptions.abort("no " + TAR + ": build it with mvn -B -Pimage -Djib.from.image=scratch package -DskipTests");
    }
    // under java.io.tmpdir, not target/: the image's user must be able to reach the extracted copy
    image = Files.createTempDirectory("jwt-auth-server-image");
    Files.setPosixFilePermissions(image, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    run(image, "tar", "-xf", TAR.toAbsolutePath().toString());
    JsonObject manifest = new JsonArray(Files.readString(image.resolve("manifest.json"))).getJsonObject(0);
    assertThat(manifest.getJsonArray("RepoTags").getList()).anyMatch(t -> String.valueOf(t).startsWith("jwt-auth-server:"));
    config = new JsonObject(Files.readString(image.resolve(manifest.getString("Config")))).getJsonObject("config");
    root = Files.createDirectories(image.resolve("rootfs"));
    for (Object layer : manifest.getJsonArray("Layers")) {
      run(root, "tar", "-xzf", image.resolve((String) layer).toString());
    }
  }

  @AfterAll
  static void deleteCopy() throws IOException {
    if (image != null) {
      try (var files = Files.walk(image)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  @Test
  @DisplayName("runs as user 65532 (not root), with MaxRAMPercentage and SerialGC, java -jar on the jar")
  void entrypointAndUser() {
    assertThat(config.getString("User")).isEqualTo("65532:65532");
    List<String> entrypoint = entrypoint();
    assertThat(entrypoint.get(0)).isEqualTo("java");
    assertThat(entrypoint).contains("-XX:MaxRAMPercentage=50", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");
    assertThat(entrypoint.subList(entrypoint.size() - 2, entrypoint.size())).containsExactly("-jar", "/app/jwt-auth-server.jar");
    assertThat(config.getValue("Cmd")).isNull();
    assertThat(config.getString("WorkingDir")).isEqualTo("/app");
  }

  @Test
  @DisplayName("exposes the auth, resource, management and Hazelcast ports; its variables are settings pointing into the volume")
  void portsAndEnvironment() {
    assertThat(config.getJsonObject("ExposedPorts").fieldNames())
        .containsExactlyInAnyOrder("8080/tcp", "8081/tcp", "9000/tcp", "5701/tcp");
    Map<String, String> env = env();
    assertThat(env).containsEntry("HTTP_HOST", "0.0.0.0").containsEntry("MANAGEMENT_HTTP_HOST", "0.0.0.0")
        .containsEntry("DATA_DIR", "/var/lib/jwt-auth-server/data").containsEntry("KEYS_DIR", "/var/lib/jwt-auth-server/keys");
    List<String> ours = env.keySet().stream().filter(k -> !List.of("PATH", "JAVA_HOME", "LANG", "LANGUAGE", "LC_ALL",
        "JAVA_VERSION").contains(k)).toList();
    assertThat(AppConfig.KEYS).containsAll(ours);
    assertThat(config.getJsonObject("Volumes").fieldNames()).containsExactly("/var/lib/jwt-auth-server");
  }

  @Test
  @DisplayName("its layers hold the jar and a state folder the non-root user can write, not jib's class-path copy")
  void layers() throws IOException {
    assertThat(root.resolve("app/jwt-auth-server.jar")).isRegularFile();
    assertThat(root.resolve("app/libs")).doesNotExist();
    assertThat(root.resolve("app/classes")).doesNotExist();
    assertThat(Files.getPosixFilePermissions(root.resolve("var/lib/jwt-auth-server")))
        .contains(PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
  }

  @Test
  @DisplayName("the entrypoint, run with this machine's java on the extracted layers (as user 65532 when we are root), serves /ready; the compose probe agrees; SIGTERM stops it")
  void entrypointRuns() throws Exception {
    List<String> command = new ArrayList<>();
    // as root (CI), run it as the image's user, so that its folders' permissions are tested too
    String[] user = config.getString("User").split(":");
    boolean asImageUser = System.getProperty("user.name").equals("root") && Files.isExecutable(Path.of("/usr/bin/setpriv"));
    if (asImageUser) {
      command.addAll(List.of("/usr/bin/setpriv", "--reuid=" + user[0], "--regid=" + user[1], "--clear-groups"));
    }
    for (String arg : entrypoint()) {
      command.add(arg.equals("java") ? Path.of(System.getProperty("java.home"), "bin", "java").toString() : inRoot(arg));
    }
    int auth = TestServer.freePort();
    int management = TestServer.freePort();
    JsonObject settings = TestServer.baseSettings();
    ProcessBuilder pb = new ProcessBuilder(command).directory(Path.of(inRoot(config.getString("WorkingDir"))).toFile())
        .redirectErrorStream(true).redirectOutput(image.resolve("server.log").toFile());
    pb.environment().clear();
    env().forEach((k, v) -> pb.environment().put(k, inRoot(v)));
    pb.environment().putAll(Map.of("PG_URI", settings.getString("PG_URI"),
        "BOOTSTRAP_ADMIN_PASSWORD", TestServer.ADMIN_PASSWORD, "AUTH_HTTP_PORT", "" + auth,
        "RESOURCE_HTTP_PORT", "" + TestServer.freePort(), "MANAGEMENT_HTTP_PORT", "" + management,
        "VERTICLE_INSTANCES", "1", "HASH_WORKERS", "1"));
    Process p = pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (status("http://127.0.0.1:" + auth + "/ready") != 200) {
        assertThat(p.isAlive()).as("the server runs; log:\n" + log()).isTrue();
        assertThat(System.nanoTime()).as("ready within 90 s; log:\n" + log()).isLessThan(deadline);
        Thread.sleep(200);
      }
      Path key;
      try (var keys = Files.list(root.resolve("var/lib/jwt-auth-server/keys"))) {
        key = keys.filter(f -> f.getFileName().toString().endsWith(".key.pem")).findFirst().orElseThrow(
            () -> new AssertionError("the signing key is made in KEYS_DIR of the image"));
      }
      if (asImageUser) {
        assertThat(Files.getAttribute(key, "unix:uid")).as("written by the image's user").isEqualTo(Integer.parseInt(user[0]));
      }
      assertThat(probe(management)).as("the compose health check on /health and /ready").isZero();
      assertThat(log()).contains("jwt-auth-server ready");

      p.destroy(); // SIGTERM, as docker stop and Kubernetes send it
      assertThat(p.waitFor(40, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
      assertThat(log()).contains("jwt-auth-server stopped");
      assertThat(probe(management)).as("the probe fails once nothing answers").isEqualTo(1);
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The health check of compose.yaml, with the image's paths under the extracted copy. */
  private static int probe(int managementPort) throws Exception {
    Map<String, Object> compose = new org.yaml.snakeyaml.Yaml().load(Files.readString(Path.of("compose.yaml")));
    @SuppressWarnings("unchecked")
    List<String> test = (List<String>) ((Map<String, Object>) ((Map<String, Object>) compose.get("x-member"))
        .get("healthcheck")).get("test");
    List<String> command = new ArrayList<>();
    for (String arg : test.subList(1, test.size())) {
      command.add(arg.equals("java") ? Path.of(System.getProperty("java.home"), "bin", "java").toString()
          : inRoot(arg.replace(":9000/", ":" + managementPort + "/")));
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }

  private static List<String> entrypoint() {
    return config.getJsonArray("Entrypoint").stream().map(String::valueOf).toList();
  }

  private static Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    for (Object e : config.getJsonArray("Env")) {
      String s = (String) e;
      env.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1));
    }
    return env;
  }

  /** An absolute path of the image, under the extracted copy; anything else unchanged. */
  private static String inRoot(String arg) {
    return arg.startsWith("/app/") || arg.equals("/app") || arg.startsWith("/var/lib/jwt-auth-server")
        ? root.resolve(arg.substring(1)).toString() : arg;
  }

  private static String log() throws IOException {
    return Files.readString(image.resolve("server.log"));
  }

  private static int status(String url) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static void run(Path dir, String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
  }
}
