package dev.jwtauth.launcher;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import dev.jwtauth.bus.Addresses;
import dev.jwtauth.bus.ClusterCredentials;
import dev.jwtauth.keys.KeyEntry;
import dev.jwtauth.keys.KeyFiles;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.testsupport.TestDatabase;
import dev.jwtauth.testsupport.TestServer;
import dev.jwtauth.tokens.AccessTokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The back doors of issue 10, tried against a clustered server (all roles, in this JVM, holding
 * credentials A): each attacker of the issue's table now gets nothing.
 */
@Tag("slow")
@DisplayName("Only members holding the cluster's credentials join: a process without them gets no token, key or revocation")
class ClusterTrustTest {
  private static final DeliveryOptions SHORT = new DeliveryOptions().setSendTimeout(3_000);

  static Path dir;
  static Path credentials;
  static int clusterPort;
  static TestServer server;

  @BeforeAll
  static void start() {
    dir = TestServer.tempDir("cluster-trust").toAbsolutePath();
    credentials = dir.resolve("credentials-a");
    ClusterCredentials.create(credentials);
    clusterPort = TestServer.freePort();
    server = TestServer.start(Map.of("CLUSTER", true, "CLUSTER_CREDENTIALS", credentials.toString(),
        "CLUSTER_PORT", clusterPort, "CLUSTER_MEMBERS", "127.0.0.1:" + clusterPort, "VERTICLE_INSTANCES", 1));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static JsonArray jwksKids() {
    JsonObject jwks = server.client.get(server.authPort(), "127.0.0.1", "/.well-known/jwks.json").send().await()
        .bodyAsJsonObject();
    JsonArray kids = new JsonArray();
    jwks.getJsonArray("keys").forEach(k -> kids.add(((JsonObject) k).getString("kid")));
    return kids;
  }

  private static int me(String token) {
    return server.client.get(server.resourcePort(), "127.0.0.1", "/api/me").putHeader("Authorization", "Bearer " + token)
        .send().await().statusCode();
  }

  /** A key of the attacker's and an admin token it signs for the real issuer and audience. */
  private static String forgedAdminToken(KeyEntry key) throws Exception {
    AccessTokens tokens = new AccessTokens(server.config().issuer(), server.config().audience(), Clock.systemUTC());
    tokens.useKey(key.kid(), key.alg(), key.privateKey());
    return tokens.issue("x", "x", List.of("admin"), null, null, Duration.ofMinutes(5)).token();
  }

  private static void awaitReady(Vertx vertx, int port, Process p) {
    for (int i = 0; i < 1_800; i++) {
      assertThat(p.isAlive()).as("process on " + port + " alive").isTrue();
      try {
        if (server.client.get(port, "127.0.0.1", "/ready").send().await().statusCode() == 200) {
          return;
        }
      } catch (Exception notYet) {
        // not listening yet
      }
      vertx.timer(100).await();
    }
    throw new AssertionError("process on " + port + " not ready");
  }

  /** How {@code f} failed (a no-handlers or timeout reply failure for an attacker), or null if it succeeded. */
  private static Throwable failure(Future<?> f) {
    try {
      f.await();
      return null;
    } catch (Exception e) {
      return e;
    }
  }

  /** Waits a while for something that must not happen (a negative cannot be polled for). */
  private static void settle(Vertx vertx) {
    vertx.timer(2_000).await();
  }

  /** A clustered Vert.x in this JVM that does not hold credentials A: bare Hazelcast, plain event bus. */
  private static Vertx bareMember(String clusterName) {
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(clusterName);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    int port = TestServer.freePort();
    config.getNetworkConfig().setPort(port).setPortAutoIncrement(false).setPublicAddress("127.0.0.1:" + port)
        .getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(List.of("127.0.0.1:" + clusterPort));
    VertxOptions options = new VertxOptions();
    options.getEventBusOptions().setHost("127.0.0.1").setPort(0);
    return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(config)).buildClustered().await();
  }

  /** What the issue's bare member tried: issue, plant a key, revoke, read the revocations. */
  private static void attackFrom(Vertx attacker) throws Exception {
    // auth.token.issue {"sub":"x","roles":["admin"]} gets no token
    Future<?> issued = attacker.eventBus().request(Addresses.TOKEN_ISSUE,
        new JsonObject().put("sub", "x").put("roles", new JsonArray().add("admin")), SHORT);
    assertThat(failure(issued)).as("auth.token.issue refused").isInstanceOf(ReplyException.class);

    // auth.jwks.changed with its own RSA key changes nothing
    JsonArray before = jwksKids();
    KeyEntry own = KeyFiles.create(TestServer.tempDir("attacker-keys"), SigningAlgorithm.RS256,
        System.currentTimeMillis() / 1000);
    String forged = forgedAdminToken(own);
    attacker.eventBus().publish(Addresses.JWKS_CHANGED, new JsonObject().put("keys", new JsonArray().add(own.publicJwk())));
    settle(attacker);
    assertThat(jwksKids()).isEqualTo(before).doesNotContain(own.kid());
    assertThat(me(forged)).isEqualTo(401);

    // auth.token.revoke does not log the user out
    String user = server.accessToken("admin", TestServer.ADMIN_PASSWORD);
    Future<?> revoked = attacker.eventBus().request(Addresses.TOKEN_REVOKE, new JsonObject().put("token", user), SHORT);
    assertThat(failure(revoked)).as("auth.token.revoke refused").isInstanceOf(ReplyException.class);
    settle(attacker);
    assertThat(me(user)).isEqualTo(200);

    // auth.revocations.get hands nothing over
    Future<?> list = attacker.eventBus().request(Addresses.REVOCATIONS_GET, new JsonObject(), SHORT);
    assertThat(failure(list)).as("auth.revocations.get refused").isInstanceOf(ReplyException.class);
  }

  @Test
  @DisplayName("a bare Hazelcast member that knows only the default cluster name gets nothing and plants nothing")
  void bareMemberWithTheDefaultName() throws Exception {
    Vertx attacker = bareMember("jwt-auth-server");
    try {
      attackFrom(attacker);
    } finally {
      attacker.close().await();
    }
  }

  @Test
  @DisplayName("a member that learnt the cluster name off the wire but holds no certificate gets nothing either (bus mTLS)")
  void memberWithTheNameButNoCertificate() throws Exception {
    Vertx attacker = bareMember(ClusterCredentials.load(credentials).clusterName());
    try {
      attackFrom(attacker);
    } finally {
      attacker.close().await();
    }
  }

  @Test
  @DisplayName("this jar with another cluster's credentials and the real ISSUER: its tokens and keys are refused, its log says why")
  void impostorWithOtherCredentials() throws Exception {
    Path other = dir.resolve("credentials-b");
    ClusterCredentials.create(other);
    int impostorPort = TestServer.freePort();
    int authPort = TestServer.freePort();
    Path log = dir.resolve("impostor.log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName())
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = pb.environment();
    env.put("CLUSTER", "true");
    env.put("CLUSTER_HOST", "127.0.0.1");
    env.put("CLUSTER_PORT", Integer.toString(impostorPort));
    env.put("CLUSTER_MEMBERS", "127.0.0.1:" + clusterPort + ",127.0.0.1:" + impostorPort);
    env.put("CLUSTER_CREDENTIALS", other.toString());
    env.put("ISSUER", server.config().issuer());
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("AUTH_HTTP_PORT", Integer.toString(authPort));
    env.put("RESOURCE_HTTP_PORT", Integer.toString(TestServer.freePort()));
    env.put("PG_URI", TestDatabase.freshDatabase());
    env.put("KEYS_DIR", TestServer.tempDir("impostor-keys").toAbsolutePath().toString());
    env.put("BOOTSTRAP_ADMIN_PASSWORD", "impostor-password");
    env.put("VERTICLE_INSTANCES", "1");
    env.put("HASH_WORKERS", "1");
    Process impostor = pb.start();
    Vertx vertx = Vertx.vertx();
    try {
      String why = "No member at 127.0.0.1:" + clusterPort + " accepted our cluster credentials; running alone";
      for (int i = 0; i < 1_800 && !Files.readString(log, StandardCharsets.UTF_8).contains(why); i++) {
        assertThat(impostor.isAlive()).as("impostor running").isTrue();
        vertx.timer(100).await();
      }
      assertThat(Files.readString(log, StandardCharsets.UTF_8)).contains(why).contains("check CLUSTER_CREDENTIALS");
      awaitReady(vertx, authPort, impostor);

      JsonObject login = server.client.post(authPort, "127.0.0.1", "/auth/login").sendJsonObject(
          new JsonObject().put("username", "admin").put("password", "impostor-password")).await().bodyAsJsonObject();
      String impostorAdmin = login.getString("access_token");
      assertThat(impostorAdmin).isNotNull();
      assertThat(me(impostorAdmin)).isEqualTo(401);
      JsonArray impostorKids = server.client.get(authPort, "127.0.0.1", "/.well-known/jwks.json").send().await()
          .bodyAsJsonObject().getJsonArray("keys");
      String impostorKid = impostorKids.getJsonObject(0).getString("kid");
      assertThat(jwksKids()).doesNotContain(impostorKid);
    } finally {
      impostor.destroy();
      impostor.waitFor(30, TimeUnit.SECONDS);
      vertx.close().await();
    }
  }

  @Test
  @DisplayName("a key set published without the cluster's seal is dropped, even over an authenticated connection")
  void unsealedKeySetIsDropped() throws Exception {
    ClusterCredentials creds = ClusterCredentials.load(credentials);
    int port = TestServer.freePort();
    JsonObject settings = TestServer.baseSettings();
    settings.getMap().putAll(Map.of("CLUSTER", true, "CLUSTER_CREDENTIALS", credentials.toString(), "CLUSTER_PORT", port,
        "CLUSTER_MEMBERS", "127.0.0.1:" + clusterPort, "ROLES", "resource"));
    VertxOptions options = new VertxOptions();
    creds.secure(options.getEventBusOptions().setHost("127.0.0.1").setPort(0));
    Vertx member = Vertx.builder().with(options)
        .withClusterManager(new HazelcastClusterManager(Cluster.hazelcast(dev.jwtauth.config.AppConfig.from(settings), creds)))
        .buildClustered().await();
    try {
      // the connection is authenticated: this member's requests are served
      assertThat(member.eventBus().<JsonObject>request(Addresses.JWKS_GET, new JsonObject(), SHORT).await().body()
          .getJsonArray("keys")).isNotEmpty();
      JsonArray before = jwksKids();
      KeyEntry own = KeyFiles.create(TestServer.tempDir("unsealed-keys"), SigningAlgorithm.RS256,
          System.currentTimeMillis() / 1000);
      member.eventBus().publish(Addresses.JWKS_CHANGED, new JsonObject().put("keys", new JsonArray().add(own.publicJwk())));
      settle(member);
      assertThat(jwksKids()).isEqualTo(before).doesNotContain(own.kid());
      assertThat(me(forgedAdminToken(own))).isEqualTo(401);
    } finally {
      member.close().await();
    }
  }

  @Test
  @DisplayName("CLUSTER=true without CLUSTER_CREDENTIALS refuses to start: exit 2 and one sentence naming the setting")
  void clusterWithoutCredentials() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName())
        .directory(TestServer.tempDir("cwd").toFile()).redirectErrorStream(true);
    pb.environment().put("CLUSTER", "true");
    pb.environment().remove("CLUSTER_CREDENTIALS");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(2);
    assertThat(out).contains("Cannot start: CLUSTER=true needs CLUSTER_CREDENTIALS")
        .doesNotContain("Exception").doesNotContain("\tat ");
  }
}
