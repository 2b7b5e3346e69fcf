package dev.jwtauth.testsupport;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigLoader;
import dev.jwtauth.keys.KeyFiles;
import dev.jwtauth.keys.KeyRing;
import dev.jwtauth.launcher.App;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A whole server (all roles) on free loopback ports, with its own database and keys directory,
 * plus a {@link WebClient} and an {@link AuthClient} ({@link #http()}) to talk to it. Restartable
 * on the same database and keys. Tests that need one server per class use {@link ServerExtension}.
 */
public final class TestServer implements AutoCloseable {
  public static final String ADMIN_PASSWORD = "admin-password-1";

  private final Map<String, Object> overrides;
  private final Clock clock;
  private final int fixedAuthPort;
  private final int fixedResourcePort;
  private final Vertx clientVertx = Vertx.vertx();
  public final WebClient client = WebClient.create(clientVertx);
  private App app;
  private AppConfig config;

  private TestServer(Map<String, Object> overrides, Clock clock, int authPort, int resourcePort) {
    this.overrides = overrides;
    this.clock = clock;
    this.fixedAuthPort = authPort;
    this.fixedResourcePort = resourcePort;
  }

  /** Starts a server with a fresh database and keys directory, plus any setting overrides. */
  public static TestServer start(Map<String, Object> extra) {
    return start(extra, Clock.systemUTC());
  }

  /** Same, with a clock of the test's (a {@link MutableClock} to expire tokens without waiting). */
  public static TestServer start(Map<String, Object> extra, Clock clock) {
    return start(extra, clock, 0, 0);
  }

  /**
   * Same, on the given ports (0: a free one each start), for settings that name them (a CORS
   * origin of the auth port, for a page it serves).
   */
  public static TestServer start(Map<String, Object> extra, int authPort, int resourcePort) {
    return start(extra, Clock.systemUTC(), authPort, resourcePort);
  }

  /** Same, with a clock and on the given ports (0: a free one each start). */
  public static TestServer start(Map<String, Object> extra, Clock clock, int authPort, int resourcePort) {
    JsonObject settings = baseSettings();
    extra.forEach(settings::put);
    TestServer s = new TestServer(settings.getMap(), clock, authPort, resourcePort);
    s.boot();
    return s;
  }

  public static TestServer start() {
    return start(Map.of());
  }

  /** Defaults plus a fresh database, a fresh keys directory and free ports, as JSON settings. */
  public static JsonObject baseSettings() {
    JsonObject settings = ConfigLoader.defaults()
        .put("HTTP_HOST", "127.0.0.1")
        .put("PG_URI", TestDatabase.freshDatabase())
        .put("KEYS_DIR", tempDir("keys").toString())
        .put("BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .put("MANAGEMENT_HTTP_PORT", 0)
        .put("VERTICLE_INSTANCES", 2)
        .put("HASH_WORKERS", 2);
    return settings;
  }

  private void boot() {
    JsonObject settings = new JsonObject(overrides);
    settings.put("AUTH_HTTP_PORT", fixedAuthPort > 0 ? fixedAuthPort : freePort())
        .put("RESOURCE_HTTP_PORT", fixedResourcePort > 0 ? fixedResourcePort : freePort());
    config = AppConfig.from(settings);
    app = App.start(config, clock, false);
  }

  /** Stops the server and starts it again on the same database and keys (new ports unless fixed). */
  public void restart() {
    app.close();
    boot();
  }

  public AppConfig config() {
    return config;
  }

  public App app() {
    return app;
  }

  public int authPort() {
    return config.authHttpPort();
  }

  public int resourcePort() {
    return config.resourceHttpPort();
  }

  /** The management server's port ({@code /metrics}), or -1 when it is off. */
  public int managementPort() {
    return app.managementPort();
  }

  /** The server's keys as on disk (to forge tokens with the real private key in attack tests). */
  public KeyRing keys() {
    return new KeyRing(KeyFiles.load(config.keysDir()));
  }

  /** The API client on this server's current ports (new ports after a {@link #restart()}). */
  public AuthClient http() {
    return new AuthClient(client, authPort(), resourcePort());
  }

  /** POST /auth/login; returns the response. */
  public HttpResponse<Buffer> login(String username, String password) {
    return http().login(username, password);
  }

  /** Logs in and returns the access token, failing the test when login fails. */
  public String accessToken(String username, String password) {
    return http().accessToken(username, password);
  }

  /** The bootstrap admin's access token. */
  public String adminToken() {
    return accessToken("admin", ADMIN_PASSWORD);
  }

  /** GET on the resource origin with a bearer token (or none when null). */
  public HttpResponse<Buffer> getResource(String path, String token) {
    return http().get(AuthClient.Origin.RESOURCE, path, token);
  }

  /** POST a JSON body to the auth origin, with a bearer token when not null. */
  public HttpResponse<Buffer> postJson(String path, String token, JsonObject body) {
    return http().post(path, token, body);
  }

  /** POST a form to the auth origin, with an Authorization header when not null. */
  public HttpResponse<Buffer> postForm(String path, String authorization, Map<String, String> form) {
    return http().postForm(path, authorization, form);
  }

  /** Registers a client as the bootstrap admin; returns its secret. */
  public String createClient(String clientId, List<String> roles, List<String> scopes) {
    return AuthClient.ok(http().createClient(adminToken(), clientId, roles, scopes), 201, "client creation")
        .bodyAsJsonObject().getString("client_secret");
  }

  private JsonObject busClient;

  /**
   * The credentials of a client registered for event-bus issuance ({@code bus-test}, roles user and
   * service), as the first fields of an {@code auth.token.issue} request; made on first use.
   */
  public synchronized JsonObject busClient() {
    if (busClient == null) {
      String secret = createClient("bus-test", java.util.List.of("user", "service"), java.util.List.of());
      busClient = new JsonObject().put("client_id", "bus-test").put("client_secret", secret);
    }
    return busClient.copy();
  }

  /** Creates a user through POST /admin/users as the bootstrap admin. */
  public void createUser(String username, String password, String... roles) {
    AuthClient.ok(http().createUser(adminToken(), username, password, roles), 201, "user creation");
  }

  /**
   * Creates a user with a fresh random name ({@code prefix} + 8 hex digits) and the password
   * {@code "password-" + name}, so tests sharing one server never share a user.
   */
  public TestUser newUser(String prefix, String... roles) {
    String name = prefix + UUID.randomUUID().toString().substring(0, 8);
    TestUser user = new TestUser(name, "password-" + name);
    createUser(user.name(), user.password(), roles);
    return user;
  }

  @Override
  public void close() {
    try {
      if (app != null) {
        app.close();
      }
    } finally {
      clientVertx.close().await();
    }
  }

  /**
   * A port free now, below Linux's ephemeral range (32768+): a port the kernel hands out for
   * bind(0) can be taken again as the local port of any outgoing connection (a database
   * connection, a cluster member's) before the test binds it, which made cluster tests flaky.
   */
  public static int freePort() {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int i = 0; i < 50; i++) {
      int port = random.nextInt(20_000, 32_000);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Path tempDir(String prefix) {
    try {
      Files.createDirectories(Path.of("target", "tmp"));
      return Files.createTempDirectory(Path.of("target", "tmp"), prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
