package dev.jwtauth.launcher;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.bus.ClusterCredentials;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("slow")
@DisplayName("Three processes holding the same cluster credentials (1 auth + 2 resource) act as one server")
class ClusterTest {

  record Member(String roles, int httpAuth, int httpResource, int clusterPort) {
  }

  private static Process launch(Member m, String members, JsonObject settings, Path dir) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName())
        .directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve(m.roles() + "-" + m.clusterPort() + ".log").toFile());
    Map<String, String> env = pb.environment();
    env.put("CLUSTER", "true");
    env.put("CLUSTER_HOST", "127.0.0.1");
    env.put("CLUSTER_PORT", Integer.toString(m.clusterPort()));
    env.put("CLUSTER_MEMBERS", members);
    env.put("CLUSTER_CREDENTIALS", settings.getString("CLUSTER_CREDENTIALS"));
    env.put("ROLES", m.roles());
    env.put("HTTP_HOST", "127.0.0.1");
    env.put("AUTH_HTTP_PORT", Integer.toString(m.httpAuth()));
    env.put("RESOURCE_HTTP_PORT", Integer.toString(m.httpResource()));
    env.put("MANAGEMENT_HTTP_PORT", "0");
    env.put("PG_URI", settings.getString("PG_URI"));
    env.put("KEYS_DIR", settings.getString("KEYS_DIR"));
    env.put("BOOTSTRAP_ADMIN_PASSWORD", TestServer.ADMIN_PASSWORD);
    env.put("VERTICLE_INSTANCES", "1");
    env.put("HASH_WORKERS", "1");
    return pb.start();
  }

  private static void awaitReady(Vertx vertx, WebClient client, int port, Process p) {
    for (int i = 0; i < 1_800; i++) {
      assertThat(p.isAlive()).as("process on " + port + " alive").isTrue();
      try {
        if (client.get(port, "127.0.0.1", "/ready").send().await().statusCode() == 200) {
          return;
        }
      } catch (Exception notYet) {
        // not listening yet
      }
      vertx.timer(100).await();
    }
    throw new AssertionError("process on " + port + " not ready");
  }

  private static HttpResponse<Buffer> me(WebClient client, int port, String token) {
    return client.get(port, "127.0.0.1", "/api/me").putHeader("Authorization", "Bearer " + token).send().await();
  }

  /** Polls until {@code port} rejects {@code token}; returns the milliseconds it took. */
  private static long millisUntilRejected(Vertx vertx, WebClient client, int port, String token, long startNanos) {
    for (int i = 0; i < 500; i++) {
      if (me(client, port, token).statusCode() == 401) {
        return (System.nanoTime() - startNanos) / 1_000_000;
      }
      vertx.timer(5).await();
    }
    throw new AssertionError("token still accepted on " + port);
  }

  @Test
  @DisplayName("tokens, logouts, rotations and bus requests cross processes; losing a resource process loses nothing")
  void threeProcesses() throws Exception {
    Path dir = TestServer.tempDir("cluster");
    Path credentials = dir.resolve("credentials").toAbsolutePath();
    ClusterCredentials.create(credentials);
    JsonObject settings = TestServer.baseSettings().put("CLUSTER_CREDENTIALS", credentials.toString());
    Member auth = new Member("auth", TestServer.freePort(), TestServer.freePort(), TestServer.freePort());
    Member res1 = new Member("resource", TestServer.freePort(), TestServer.freePort(), TestServer.freePort());
    Member res2 = new Member("resource", TestServer.freePort(), TestServer.freePort(), TestServer.freePort());
    int testPort = TestServer.freePort();
    String members = String.join(",", List.of(auth, res1, res2).stream().map(m -> "127.0.0.1:" + m.clusterPort()).toList())
        + ",127.0.0.1:" + testPort;

    List<Process> processes = new ArrayList<>();
    Vertx local = Vertx.vertx();
    WebClient client = WebClient.create(local);
    Vertx member = null;
    try {
      processes.add(launch(auth, members, settings, dir));
      processes.add(launch(res1, members, settings, dir));
      processes.add(launch(res2, members, settings, dir));
      awaitReady(local, client, auth.httpAuth(), processes.get(0));
      awaitReady(local, client, res1.httpResource(), processes.get(1));
      awaitReady(local, client, res2.httpResource(), processes.get(2));

      // The test JVM joins as a fourth member, to send event-bus requests from a member that is not the issuer.
      Map<String, Object> mine = new HashMap<>(settings.getMap());
      mine.putAll(Map.of("CLUSTER", true, "CLUSTER_PORT", testPort, "CLUSTER_MEMBERS", members, "ROLES", "resource",
          "AUTH_HTTP_PORT", 1, "RESOURCE_HTTP_PORT", 2));
      AppConfig memberCfg = AppConfig.from(new JsonObject(mine));
      ClusterCredentials creds = ClusterCredentials.load(credentials);
      VertxOptions options = new VertxOptions();
      creds.secure(options.getEventBusOptions().setHost("127.0.0.1").setPort(0));
      member = Vertx.builder().with(options)
          .withClusterManager(new HazelcastClusterManager(Cluster.hazelcast(memberCfg, creds))).buildClustered().await();

      // 1. a token issued by the auth process validates on both resource processes
      JsonObject login = client.post(auth.httpAuth(), "127.0.0.1", "/auth/login").sendJsonObject(
          new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)).await().bodyAsJsonObject();
      String access = login.getString("access_token");
      assertThat(me(client, res1.httpResource(), access).statusCode()).isEqualTo(200);
      assertThat(me(client, res2.httpResource(), access).statusCode()).isEqualTo(200);

      // 2. an auth.token.issue sent from another member (as a registered client) is served, and its token works everywhere
      String secret = client.post(auth.httpAuth(), "127.0.0.1", "/admin/clients").putHeader("Authorization", "Bearer " + access)
          .sendJsonObject(new JsonObject().put("client_id", "svc-client").put("roles", new JsonArray().add("user"))
              .put("scopes", new JsonArray())).await().bodyAsJsonObject().getString("client_secret");
      JsonObject asClient = new JsonObject().put("client_id", "svc-client").put("client_secret", secret);
      Vertx bus = member;
      String serviceToken = bus.eventBus().<JsonObject>request(Addresses.TOKEN_ISSUE,
              asClient.copy().put("sub", "svc").put("roles", new JsonArray().add("user")))
          .map(Message::body).await().getString("access_token");
      assertThat(me(client, res1.httpResource(), serviceToken).statusCode()).isEqualTo(200);
      assertThat(me(client, res2.httpResource(), serviceToken).statusCode()).isEqualTo(200);

      // 3. a logout on the auth process is rejected by every resource process within one second
      long t0 = System.nanoTime();
      assertThat(client.post(auth.httpAuth(), "127.0.0.1", "/auth/logout").putHeader("Authorization", "Bearer " + access)
          .send().await().statusCode()).isEqualTo(204);
      long r1 = millisUntilRejected(local, client, res1.httpResource(), access, t0);
      long r2 = millisUntilRejected(local, client, res2.httpResource(), access, t0);
      org.slf4j.LoggerFactory.getLogger(ClusterTest.class).info("CLUSTER logout rejected on resource 1 after " + r1 + " ms, resource 2 after " + r2
          + " ms (from the logout request's start)");
      assertThat(Math.max(r1, r2)).isLessThan(1_000);

      // 4. a key rotation reaches every process
      String admin = client.post(auth.httpAuth(), "127.0.0.1", "/auth/login").sendJsonObject(
          new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)).await()
          .bodyAsJsonObject().getString("access_token");
      String newKid = client.post(auth.httpAuth(), "127.0.0.1", "/admin/keys/rotate")
          .putHeader("Authorization", "Bearer " + admin).send().await().bodyAsJsonObject().getString("kid");
      String rotated = null;
      for (int i = 0; i < 200 && rotated == null; i++) {
        String t = bus.eventBus().<JsonObject>request(Addresses.TOKEN_ISSUE, asClient.copy().put("sub", "svc"))
            .map(Message::body).await().getString("access_token");
        if (newKid.equals(Jwts.part(t, 0).getString("kid"))) {
          rotated = t;
        }
      }
      assertThat(rotated).as("a token signed by the new key").isNotNull();
      assertThat(me(client, res1.httpResource(), rotated).statusCode()).isEqualTo(200);
      assertThat(me(client, res2.httpResource(), rotated).statusCode()).isEqualTo(200);
      assertThat(me(client, res2.httpResource(), serviceToken).statusCode()).isEqualTo(200);

      // 5. kill one resource process: the rest go on serving, and revocations still propagate
      processes.get(1).destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      assertThat(me(client, res2.httpResource(), rotated).statusCode()).isEqualTo(200);
      JsonObject second = client.post(auth.httpAuth(), "127.0.0.1", "/auth/login").sendJsonObject(
          new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)).await().bodyAsJsonObject();
      assertThat(me(client, res2.httpResource(), second.getString("access_token")).statusCode()).isEqualTo(200);
      long t1 = System.nanoTime();
      client.post(auth.httpAuth(), "127.0.0.1", "/auth/logout")
          .putHeader("Authorization", "Bearer " + second.getString("access_token")).send().await();
      assertThat(millisUntilRejected(local, client, res2.httpResource(), second.getString("access_token"), t1))
          .isLessThan(1_000);
    } finally {
      if (member != null) {
        member.close().await();
      }
      for (Process p : processes) {
        p.destroy();
      }
      for (Process p : processes) {
        p.waitFor(30, TimeUnit.SECONDS);
      }
      local.close().await();
    }
  }
}
