package dev.jwtauth.testsupport;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.keys.KeyRing;
import dev.jwtauth.launcher.App;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Clock;
import java.util.Map;
import java.util.function.Function;

/**
 * One {@link TestServer} per test class: started before the class's first test (and before its
 * {@code @BeforeAll} methods), closed after its last. Register it on a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ServerExtension server = ServerExtension.withSettings(Map.of("REFRESH_COOKIE", true));
 *
 * @Test
 * void login() {
 *   var res = server.http().login("admin", TestServer.ADMIN_PASSWORD);
 *   assertThat(res.statusCode()).isEqualTo(200);
 * }
 * }</pre>
 *
 * Several fields give several servers. Tests of one class share the server, so each test makes
 * its own users ({@link #newUser}) rather than relying on another test's state.
 */
public final class ServerExtension implements BeforeAllCallback, AfterAllCallback {
  /** The ports a server will listen on, chosen before it starts (for settings that name them). */
  public record Ports(int auth, int resource) {
  }

  private final Function<Ports, Map<String, Object>> settings;
  private final boolean fixedPorts;
  private Clock clock = Clock.systemUTC();
  private Ports ports;
  private TestServer server;
  private Class<?> owner;

  private ServerExtension(Function<Ports, Map<String, Object>> settings, boolean fixedPorts) {
    this.settings = settings;
    this.fixedPorts = fixedPorts;
  }

  /** A server with the default test settings. */
  public static ServerExtension create() {
    return withSettings(Map.of());
  }

  /** A server with these settings on top of {@link TestServer#baseSettings()}. */
  public static ServerExtension withSettings(Map<String, Object> overrides) {
    return new ServerExtension(p -> overrides, false);
  }

  /**
   * A server on two free ports chosen now, with settings that may name them (a CORS origin of the
   * auth port, for the demo page it serves).
   */
  public static ServerExtension withPorts(Function<Ports, Map<String, Object>> overrides) {
    return new ServerExtension(overrides, true);
  }

  /** Runs the server on {@code clock} (a {@link MutableClock} expires tokens without waiting). */
  public ServerExtension clock(Clock clock) {
    this.clock = clock;
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (server != null) {
      return; // a @Nested class of the class that started it: share the running server
    }
    owner = context.getRequiredTestClass();
    if (fixedPorts) {
      ports = new Ports(TestServer.freePort(), TestServer.freePort());
      server = TestServer.start(settings.apply(ports), clock, ports.auth(), ports.resource());
    } else {
      server = TestServer.start(settings.apply(null), clock);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (server != null && context.getRequiredTestClass() == owner) {
      try {
        server.close();
      } finally {
        server = null;
      }
    }
  }

  /** The running server (its config, keys, app, restart). */
  public TestServer server() {
    if (server == null) {
      throw new IllegalStateException("the server runs only between the class's @BeforeAll and @AfterAll");
    }
    return server;
  }

  /** The API client on the server's ports. */
  public AuthClient http() {
    return server().http();
  }

  public AppConfig config() {
    return server().config();
  }

  public App app() {
    return server().app();
  }

  public KeyRing keys() {
    return server().keys();
  }

  public int authPort() {
    return server().authPort();
  }

  public int resourcePort() {
    return server().resourcePort();
  }

  /** The bootstrap admin's access token (a fresh login). */
  public String adminToken() {
    return server().adminToken();
  }

  /** A new user with a random name; see {@link TestServer#newUser}. */
  public TestUser newUser(String prefix, String... roles) {
    return server().newUser(prefix, roles);
  }

  /** Creates a user as the bootstrap admin, failing the test unless it is a 201. */
  public void createUser(String username, String password, String... roles) {
    server().createUser(username, password, roles);
  }
}
