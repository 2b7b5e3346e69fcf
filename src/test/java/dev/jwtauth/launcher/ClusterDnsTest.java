package dev.jwtauth.launcher;

import com.hazelcast.config.Config;
import dev.jwtauth.bus.ClusterCredentials;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.testsupport.ServerProcess;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("CLUSTER_DISCOVERY=dns: the members are the addresses of CLUSTER_DNS_NAME (a Kubernetes headless Service)")
class ClusterDnsTest {
  private final Vertx vertx = Vertx.vertx();
  private final WebClient web = WebClient.create(vertx);

  @AfterEach
  void close() {
    vertx.close().await();
  }

  private static JsonObject dns(String name) {
    return TestServer.baseSettings().put("CLUSTER_DISCOVERY", "dns").put("CLUSTER_DNS_NAME", name);
  }

  @Test
  @DisplayName("dns needs a DNS name, refuses CLUSTER_MEMBERS beside it, and a DNS name needs dns")
  void settings() {
    assertThatThrownBy(() -> AppConfig.from(dns("")))
        .isInstanceOf(ConfigException.class).hasMessageStartingWith("CLUSTER_DISCOVERY=dns needs CLUSTER_DNS_NAME");
    assertThatThrownBy(() -> AppConfig.from(dns("jwt-auth-cluster").put("CLUSTER_MEMBERS", "10.0.0.5:5701")))
        .hasMessageStartingWith("CLUSTER_MEMBERS is for CLUSTER_DISCOVERY=members");
    assertThatThrownBy(() -> AppConfig.from(TestServer.baseSettings().put("CLUSTER_DNS_NAME", "jwt-auth-cluster")))
        .hasMessageStartingWith("CLUSTER_DNS_NAME is for CLUSTER_DISCOVERY=dns");
    assertThatThrownBy(() -> AppConfig.from(dns("http://jwt-auth-cluster")))
        .hasMessageStartingWith("CLUSTER_DNS_NAME must be a DNS name");
    assertThatThrownBy(() -> AppConfig.from(dns("jwt-auth-cluster:70000")))
        .hasMessageStartingWith("CLUSTER_DNS_NAME must be a DNS name");
    assertThatThrownBy(() -> AppConfig.from(TestServer.baseSettings().put("CLUSTER_DISCOVERY", "multicast")))
        .hasMessage("CLUSTER_DISCOVERY must be one of dns, members, not 'multicast'.");

    AppConfig plain = AppConfig.from(dns("jwt-auth-cluster.default.svc.cluster.local").put("CLUSTER_PORT", 5801));
    assertThat(plain.clusterDnsHost()).isEqualTo("jwt-auth-cluster.default.svc.cluster.local");
    assertThat(plain.clusterDnsPort()).as("the members' port defaults to CLUSTER_PORT").isEqualTo(5801);
    AppConfig withPort = AppConfig.from(dns("jwt-auth-cluster:5701").put("CLUSTER_PORT", 5801));
    assertThat(withPort.clusterDnsHost()).isEqualTo("jwt-auth-cluster");
    assertThat(withPort.clusterDnsPort()).isEqualTo(5701);
  }

  @Test
  @DisplayName("with dns, Hazelcast joins through its Kubernetes DNS lookup (service-dns), TCP/IP and multicast off")
  void hazelcastJoin() throws Exception {
    Path credentials = TestServer.tempDir("dns-credentials").resolve("c");
    ClusterCredentials.create(credentials);
    AppConfig cfg = AppConfig.from(dns("jwt-auth-cluster.ns.svc.cluster.local").put("CLUSTER", true)
        .put("CLUSTER_CREDENTIALS", credentials.toString()));
    Config hz = Cluster.hazelcast(cfg, ClusterCredentials.load(credentials));
    var join = hz.getNetworkConfig().getJoin();
    assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
    assertThat(join.getKubernetesConfig().getProperty("service-dns")).isEqualTo("jwt-auth-cluster.ns.svc.cluster.local");
    assertThat(join.getKubernetesConfig().getProperty("service-port")).isEqualTo("5701");
    assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();

    AppConfig members = AppConfig.from(TestServer.baseSettings().put("CLUSTER", true)
        .put("CLUSTER_CREDENTIALS", credentials.toString()).put("CLUSTER_MEMBERS", "10.0.0.5:5701"));
    var tcp = Cluster.hazelcast(members, ClusterCredentials.load(credentials)).getNetworkConfig().getJoin();
    assertThat(tcp.getKubernetesConfig().isEnabled()).isFalse();
    assertThat(tcp.getTcpIpConfig().getMembers()).containsExactly("10.0.0.5:5701");
  }

  @Test
  @Tag("slow")
  @DisplayName("an auth and a resource process that know only the DNS name 'localhost' form one cluster: keys and logouts cross")
  void twoProcessesFoundByDns() throws Exception {
    Path dir = TestServer.tempDir("cluster-dns");
    Path credentials = dir.resolve("credentials").toAbsolutePath();
    ClusterCredentials.create(credentials);
    JsonObject settings = TestServer.baseSettings();
    int authCluster = TestServer.freePort();
    int auth = TestServer.freePort();
    int resource = TestServer.freePort();
    // one host: every member's address is 127.0.0.1, so the name carries the auth member's port (in
    // Kubernetes every pod has its own address and the same CLUSTER_PORT, so the name alone suffices)
    String name = "localhost:" + authCluster;
    // (the auth member first: the name leads only to it, so it cannot find a resource member started before it)
    try (ServerProcess a = member(dir, "auth", credentials, name, authCluster, settings)
            .env("ROLES", "auth").env("AUTH_HTTP_PORT", auth).env("RESOURCE_HTTP_PORT", TestServer.freePort()).start()
            .awaitReady(auth);
         ServerProcess r = member(dir, "resource", credentials, name, TestServer.freePort(), settings)
            .env("ROLES", "resource").env("AUTH_HTTP_PORT", TestServer.freePort()).env("RESOURCE_HTTP_PORT", resource)
            .start()) {
      r.awaitReady(resource); // ready only once the key set arrived over the clustered event bus
      assertThat(r.logText()).contains("members found by DNS name " + name);

      String token = web.post(auth, "127.0.0.1", "/auth/login").sendJsonObject(new JsonObject()
              .put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)).await()
          .bodyAsJsonObject().getString("access_token");
      assertThat(me(resource, token)).isEqualTo(200);
      assertThat(web.post(auth, "127.0.0.1", "/auth/logout").putHeader("Authorization", "Bearer " + token)
          .send().await().statusCode()).isEqualTo(204);
      long deadline = System.nanoTime() + 1_000_000_000L;
      while (me(resource, token) != 401) {
        assertThat(System.nanoTime()).as("logout reaches the resource member within 1 s").isLessThan(deadline);
        vertx.timer(10).await();
      }
    }
  }

  private int me(int port, String token) {
    return web.get(port, "127.0.0.1", "/api/me").putHeader("Authorization", "Bearer " + token).send().await()
        .statusCode();
  }

  private static ServerProcess.Builder member(Path dir, String role, Path credentials, String dnsName, int clusterPort,
                                              JsonObject settings) {
    return ServerProcess.in(dir).log(role + ".log").jvmArgs("-Xmx256m")
        .settings(settings, "PG_URI", "KEYS_DIR", "BOOTSTRAP_ADMIN_PASSWORD")
        .env("CLUSTER", true).env("CLUSTER_HOST", "127.0.0.1").env("CLUSTER_PORT", clusterPort)
        .env("CLUSTER_DISCOVERY", "dns").env("CLUSTER_DNS_NAME", dnsName)
        .env("CLUSTER_CREDENTIALS", credentials).env("MANAGEMENT_HTTP_PORT", 0)
        .env("VERTICLE_INSTANCES", 1).env("HASH_WORKERS", 1);
  }
}
