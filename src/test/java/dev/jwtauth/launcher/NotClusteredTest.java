package dev.jwtauth.launcher;

import dev.jwtauth.testsupport.ServerProcess;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11, item 5: a server that is not clustered does not load the cluster manager. Checked on a
 * process of its own whose JVM lists every class it loads ({@code -Xlog:class+load}), running the
 * packaged jar, what users run, when the build has made one (CI packages it before the suite). On
 * the bare test class path vertx-hazelcast's service entry makes Vert.x load (never start) the
 * manager's classes; the jar leaves that entry out (pom.xml, the shade plugin's filter).
 */
@DisplayName("A server that is not clustered never loads Hazelcast or the Vert.x cluster manager")
class NotClusteredTest {
  private static final Path JAR = Path.of("target", "jwt-auth-server.jar");

  @Test
  @DisplayName("the jar, ready and answering a login, with no com.hazelcast or io.vertx.spi.cluster class loaded")
  void noClusterManagerClasses() throws Exception {
    Path dir = TestServer.tempDir("not-clustered");
    Path classes = dir.resolve("classes.txt").toAbsolutePath();
    boolean packaged = Files.isRegularFile(JAR);
    int auth = TestServer.freePort();
    int resource = TestServer.freePort();
    ServerProcess.Builder spec = ServerProcess.in(dir)
        .settings(TestServer.baseSettings(), "PG_URI", "KEYS_DIR", "BOOTSTRAP_ADMIN_PASSWORD")
        .env("AUTH_HTTP_PORT", auth).env("RESOURCE_HTTP_PORT", resource).env("MANAGEMENT_HTTP_PORT", 0)
        .env("HASH_WORKERS", 1).env("ARGON2_ITERATIONS", 2)
        .jvmArgs("-Xmx128m", "-Xlog:class+load=info:file=" + classes);
    if (packaged) {
      spec.jar(JAR);
    } else {
      LoggerFactory.getLogger(NotClusteredTest.class).warn("{} is not built: checking the test class path only", JAR);
    }
    try (ServerProcess p = spec.start()) {
      p.awaitReady(resource);
      // at once on the auth port: it listens before the resource port answers (App.start's order)
      HttpResponse<String> login = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + auth + "/auth/login"))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("username", "admin")
                  .put("password", TestServer.ADMIN_PASSWORD).encode())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
      String loaded = Files.readString(classes);
      assertThat(loaded).as("the class-loading log was written").contains("io.vertx.core.impl.VertxImpl");
      assertThat(loaded).as("no Hazelcast instance, whatever the class path")
          .doesNotContain("com.hazelcast.instance.impl.HazelcastInstanceImpl");
      if (packaged) {
        assertThat(loaded).doesNotContain("com.hazelcast.").doesNotContain("io.vertx.spi.cluster.");
      }
    }
  }
}
