package dev.jwtauth.launcher;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigLoader;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * {@code java -XX:ArchiveClassesAtExit=target/jwt-auth-server.jsa -jar target/jwt-auth-server.jar cds-training}:
 * the build's class-data-sharing training run (the {@code cds-training} execution in {@code pom.xml}).
 * It starts a whole server on a throw-away embedded database, keys folder and loopback ports, sends
 * it the requests of a first session (health, readiness, discovery, JWKS, a login, {@code /api/me},
 * a refresh, a client token, a logout), stops it, deletes the folder and exits; the JVM then writes
 * the classes it loaded to the archive, and {@code java -XX:SharedArchiveFile=target/jwt-auth-server.jsa -jar …}
 * maps them instead of loading and verifying each one again (start-up about a second shorter).
 *
 * <p>It never fails the build: when the server cannot start here it says why and exits 0 (the
 * archive then holds what was loaded until then, and the run command works with or without it).
 */
final class CdsTraining {
  private static final Logger log = LoggerFactory.getLogger(CdsTraining.class);

  private CdsTraining() {
  }

  static int run() {
    // never hold up a build: whatever happens, the JVM exits (and writes the archive) after 3 minutes
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(180_000);
        log.warn("CDS training run still busy after 3 minutes; exiting with the classes loaded so far");
        System.exit(0);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "cds-training-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    Path dir = null;
    try {
      dir = Files.createTempDirectory("jwt-auth-cds-");
      try {
        // as root the embedded PostgreSQL runs as nobody, who must be able to pass through
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: nothing to open up
      }
      String password = Base64.getUrlEncoder().withoutPadding().encodeToString(new SecureRandom().generateSeed(18));
      int authPort = freePort();
      int resourcePort = freePort();
      JsonObject settings = ConfigLoader.defaults()
          .put("HTTP_HOST", "127.0.0.1")
          .put("AUTH_HTTP_PORT", authPort)
          .put("RESOURCE_HTTP_PORT", resourcePort)
          .put("MANAGEMENT_HTTP_PORT", 0)
          .put("ISSUER", "http://127.0.0.1:" + authPort)
          .put("DATA_DIR", dir.resolve("data").toString())
          .put("KEYS_DIR", dir.resolve("keys").toString())
          .put("BOOTSTRAP_ADMIN_PASSWORD", password);
      // the classes of a real start too: the early crypto selection and the configuration read as
      // Main reads it (vertx-config's stores), on the Vert.x the server then uses
      EarlyCrypto.start(Path.of("conf", "config.json"));
      Vertx vertx = App.localVertx();
      try {
        ConfigLoader.load(vertx, Path.of("conf", "config.json")).await();
      } catch (Exception e) {
        log.info("the working directory's configuration does not load ({}); training with the defaults", e.getMessage());
      }
      try (App app = App.start(AppConfig.from(settings), vertx)) {
        exercise("http://127.0.0.1:" + authPort, "http://127.0.0.1:" + resourcePort, password);
      }
      log.info("CDS training run done");
    } catch (Exception e) {
      log.warn("CDS training run incomplete ({}); the archive holds only the classes loaded so far", e.getMessage());
    } finally {
      if (dir != null) {
        delete(dir);
      }
    }
    return 0;
  }

  private static void exercise(String auth, String resource, String password) throws IOException, InterruptedException {
    // HTTP/1.1 as curl, wrk and most clients speak it: the JDK client's default (an h2c upgrade on
    // plain http) would archive the upgrade's classes instead of the plain request path's
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    get(http, auth + "/health", null);
    get(http, resource + "/ready", null);
    get(http, auth + "/.well-known/openid-configuration", null);
    get(http, auth + "/.well-known/jwks.json", null);
    get(http, resource + "/public/ping", null);
    JsonObject login = new JsonObject(post(http, auth + "/auth/login", "application/json",
        new JsonObject().put("username", "admin").put("password", password).encode(), null));
    String access = login.getString("access_token");
    get(http, resource + "/api/me", access);
    get(http, resource + "/api/me", "not.a.token");
    JsonObject client = new JsonObject(post(http, auth + "/admin/clients", "application/json",
        new JsonObject().put("client_id", "cds-training").put("scopes", new io.vertx.core.json.JsonArray().add("api")).encode(),
        access));
    String basic = Base64.getEncoder().encodeToString(("cds-training:" + client.getString("client_secret")).getBytes());
    HttpRequest token = HttpRequest.newBuilder(URI.create(auth + "/oauth2/token"))
        .header("Authorization", "Basic " + basic).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build();
    http.send(token, HttpResponse.BodyHandlers.ofString());
    JsonObject refreshed = new JsonObject(post(http, auth + "/auth/refresh", "application/json",
        new JsonObject().put("refresh_token", login.getString("refresh_token")).encode(), null));
    post(http, auth + "/auth/logout", "application/json",
        new JsonObject().put("refresh_token", refreshed.getString("refresh_token")).encode(), refreshed.getString("access_token"));
  }

  private static String get(HttpClient http, String url, String bearer) throws IOException, InterruptedException {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).GET();
    if (bearer != null) {
      req.header("Authorization", "Bearer " + bearer);
    }
    return http.send(req.build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static String post(HttpClient http, String url, String type, String body, String bearer)
      throws IOException, InterruptedException {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (bearer != null) {
      req.header("Authorization", "Bearer " + bearer);
    }
    HttpResponse<String> res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() / 100 != 2) {
      throw new IOException(url + " answered " + res.statusCode());
    }
    return res.body();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.warn("could not delete {}: {}", dir, e.getMessage());
    }
  }
}
