package dev.jwtauth.db;

import dev.jwtauth.testsupport.ServerProcess;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("slow")
@DisplayName("A PostgreSQL 14 data folder of the last release is upgraded to 17 on the first start: nothing lost, crash-safe")
class PostgresUpgradeTest {
  /** Rows in audit_events beyond what the server wrote: the copy goes in many batches, and takes long enough to be killed in. */
  private static final int BULK_ROWS = 20_000;

  private static Path template;
  private static String keysDir;
  private static Map<String, Long> rowsBefore;
  private static String adminToken;
  private static String loggedOut;
  private static String liveRefresh;
  private static String usedRefresh;
  private static String clientSecret;
  private static Vertx vertx;

  /** DATA_DIR as the last release on PostgreSQL 14 leaves it, with users, a client, keys, revocations and refresh tokens. */
  @BeforeAll
  static void lastRelease() throws Exception {
    vertx = Vertx.vertx();
    template = TestServer.tempDir("pg14-release");
    keysDir = TestServer.tempDir("keys").toAbsolutePath().toString();
    EmbeddedDatabase old = PreviousRelease.startCurrent(template);
    try (TestServer server = TestServer.start(Map.of("PG_URI", old.uri(), "KEYS_DIR", keysDir))) {
      server.createUser("bob", "bob-password-1", "user");
      clientSecret = server.createClient("reports", List.of("reports"), List.of("reports:read"));
      adminToken = server.accessToken("admin", TestServer.ADMIN_PASSWORD);
      loggedOut = server.accessToken("bob", "bob-password-1");
      assertThat(server.postJson("/auth/logout", loggedOut, new JsonObject()).statusCode()).isEqualTo(204);
      String first = server.login("bob", "bob-password-1").bodyAsJsonObject().getString("refresh_token");
      var rotated = server.http().refresh(first);
      assertThat(rotated.statusCode()).isEqualTo(200);
      usedRefresh = first;
      liveRefresh = rotated.bodyAsJsonObject().getString("refresh_token");
      String superuser = old.credentials().superuserUri(old.port(), PgCredentials.APP_DATABASE);
      query(superuser, "INSERT INTO audit_events (event, username, details) SELECT 'bulk', 'user' || i,"
          + " jsonb_build_object('i', i, 'bytes', '\\x00ff'::bytea::text) FROM generate_series(1, " + BULK_ROWS + ") i");
      rowsBefore = rowCounts(superuser);
    } finally {
      old.stop();
    }
    assertThat(template.resolve("pg").resolve("PG_VERSION")).hasContent("14");
    assertThat(rowsBefore).containsKeys("users", "clients", "revocations", "refresh_tokens", "audit_events",
        "schema_version");
    assertThat(rowsBefore.get("users")).isEqualTo(2L);
  }

  @AfterAll
  static void close() {
    vertx.close().await();
  }

  @Test
  @DisplayName("users, clients, keys, revocations, refresh tokens and every row survive; 14 is kept as a backup")
  void upgradeKeepsEverything() throws Exception {
    Path dataDir = copyOfTemplate("upgrade");
    try (TestServer upgraded = TestServer.start(embedded(dataDir))) {
      assertUpgraded(upgraded, dataDir);
      assertThat(upgraded.http().refresh(liveRefresh).statusCode()).as("a refresh token of 14").isEqualTo(200);
      assertThat(upgraded.http().refresh(usedRefresh).statusCode()).as("a used one: reuse detected").isEqualTo(401);
      String basic = "Basic " + Base64.getEncoder().encodeToString(("reports:" + clientSecret)
          .getBytes(StandardCharsets.UTF_8));
      assertThat(upgraded.postForm("/oauth2/token", basic, Map.of("grant_type", "client_credentials")).statusCode())
          .as("the client").isEqualTo(200);
      assertThat(upgraded.getResource("/api/me", adminToken).statusCode()).as("a token signed before").isEqualTo(200);

      upgraded.restart();
      assertThat(upgraded.login("bob", "bob-password-1").statusCode()).as("an ordinary second start").isEqualTo(200);
      assertThat(dataDir.resolve(PgUpgrade.BACKUP).resolve("PG_VERSION")).hasContent("14");
    }
  }

  @Test
  @DisplayName("a half-made 17 cluster beside the 14 one (crash before the swap) is thrown away and the upgrade done again")
  void crashBeforeSwap() throws Exception {
    Path dataDir = copyOfTemplate("half-made");
    halfMade(dataDir.resolve(PgUpgrade.NEW));
    try (TestServer upgraded = TestServer.start(embedded(dataDir))) {
      assertUpgraded(upgraded, dataDir);
    }
  }

  @Test
  @DisplayName("crash between the two renames: an incomplete 17 cluster rolls back to 14 and upgrades again, a complete one is moved in")
  void crashBetweenRenames() throws Exception {
    Path rolledBack = copyOfTemplate("between-incomplete");
    Files.move(rolledBack.resolve("pg"), rolledBack.resolve(PgUpgrade.BACKUP));
    halfMade(rolledBack.resolve(PgUpgrade.NEW));
    try (TestServer upgraded = TestServer.start(embedded(rolledBack))) {
      assertUpgraded(upgraded, rolledBack);
    }

    // the folders as the upgrade leaves them just after its first rename, the 17 cluster marked complete
    Path finished = copyOfTemplate("between-complete");
    TestServer.start(embedded(finished)).close();
    Files.move(finished.resolve("pg"), finished.resolve(PgUpgrade.NEW));
    Files.writeString(finished.resolve(PgUpgrade.NEW).resolve(PgUpgrade.COMPLETE), "complete\n");
    try (TestServer upgraded = TestServer.start(embedded(finished))) {
      assertUpgraded(upgraded, finished);
    }
  }

  @Test
  @DisplayName("kill -9 while the rows are copied, with both PostgreSQL servers running: the next start upgrades cleanly")
  void killDuringUpgrade() throws Exception {
    Path dataDir = copyOfTemplate("killed");
    Path processDir = TestServer.tempDir("killed-process");
    int auth = TestServer.freePort();
    int resource = TestServer.freePort();
    try (ServerProcess p = ServerProcess.in(processDir)
        .env(embedded(dataDir)).env("AUTH_HTTP_PORT", auth).env("RESOURCE_HTTP_PORT", resource)
        .env("HTTP_HOST", "127.0.0.1").start()) {
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!p.logText().contains("PostgreSQL 14 and 17 running side by side") && p.isAlive()
          && System.nanoTime() < deadline) {
        vertx.timer(10).await();
      }
      p.kill();
      assertThat(p.logText()).contains("PostgreSQL 14 and 17 running side by side").doesNotContain("Upgraded the embedded");
    }
    assertThat(dataDir.resolve(PgUpgrade.NEW)).as("killed before the swap").exists();
    assertThat(dataDir.resolve("pg").resolve("PG_VERSION")).hasContent("14");
    try (TestServer upgraded = TestServer.start(embedded(dataDir))) {
      assertUpgraded(upgraded, dataDir);
    }
  }

  private static void assertUpgraded(TestServer server, Path dataDir) throws IOException {
    EmbeddedDatabase db = server.app().embeddedDatabase();
    String superuser = db.credentials().superuserUri(db.port(), PgCredentials.APP_DATABASE);
    assertThat(query(superuser, "SELECT current_setting('server_version_num')").get(0)).startsWith("17");
    assertThat(dataDir.resolve("pg").resolve("PG_VERSION")).hasContent("17");
    assertThat(dataDir.resolve(PgUpgrade.BACKUP).resolve("PG_VERSION")).hasContent("14");
    assertThat(dataDir.resolve(PgUpgrade.NEW)).doesNotExist();
    assertThat(dataDir.resolve("pg").resolve(PgUpgrade.COMPLETE)).doesNotExist();
    Map<String, Long> after = rowCounts(superuser);
    // the start after the upgrade writes audit events of its own (and nothing else before a login)
    assertThat(after.get("audit_events")).isGreaterThanOrEqualTo(rowsBefore.get("audit_events"));
    after.put("audit_events", rowsBefore.get("audit_events"));
    assertThat(after).isEqualTo(rowsBefore);
    assertThat(query(superuser, "SELECT count(*) FROM audit_events WHERE event = 'bulk'"
        + " AND details = jsonb_build_object('i', substr(username, 5)::int, 'bytes', '\\x00ff')")).containsExactly(
        String.valueOf(BULK_ROWS));
    assertThat(query(db.uri(), "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"))
        .containsExactly(PgCredentials.APP_ROLE);
    assertThat(server.login("admin", TestServer.ADMIN_PASSWORD).statusCode()).as("admin").isEqualTo(200);
    assertThat(server.login("bob", "bob-password-1").statusCode()).as("bob").isEqualTo(200);
    assertThat(server.getResource("/api/me", loggedOut).statusCode()).as("a token revoked on 14").isEqualTo(401);
    String fresh = server.accessToken("bob", "bob-password-1");
    assertThat(server.getResource("/api/me", fresh).statusCode()).as("a new token").isEqualTo(200);
  }

  private static Map<String, Object> embedded(Path dataDir) {
    return Map.of("PG_URI", "", "DATA_DIR", dataDir.toAbsolutePath().toString(), "KEYS_DIR", keysDir, "BOOTSTRAP_ADMIN_PASSWORD", "");
  }

  /** What a crash during initdb or the copy leaves: a 17 folder, partly filled. */
  private static void halfMade(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("base").resolve("1"));
    Files.writeString(dir.resolve("PG_VERSION"), "17\n");
    Files.write(dir.resolve("base").resolve("1").resolve("1259"), new byte[8192]);
  }

  /** The template's cluster and passwords in a new DATA_DIR (the binaries are linked, not unpacked again). */
  private static Path copyOfTemplate(String name) throws IOException {
    Path dataDir = TestServer.tempDir(name);
    for (String part : List.of("pg", PgCredentials.folder(template).getFileName().toString())) {
      Path from = template.resolve(part);
      try (Stream<Path> all = Files.walk(from)) {
        for (Path p : (Iterable<Path>) all::iterator) {
          Files.copy(p, dataDir.resolve(part).resolve(from.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES,
              LinkOption.NOFOLLOW_LINKS);
        }
      }
    }
    try (Stream<Path> bins = Files.list(template)) {
      for (Path bin : (Iterable<Path>) bins.filter(p -> p.getFileName().toString().startsWith("pg-bin-"))::iterator) {
        Files.createSymbolicLink(dataDir.resolve(bin.getFileName()), bin.toAbsolutePath());
      }
    }
    return dataDir;
  }

  private static Map<String, Long> rowCounts(String uri) {
    Map<String, Long> counts = new TreeMap<>();
    for (String table : query(uri, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
      counts.put(table, Long.parseLong(query(uri, "SELECT count(*) FROM public.\"" + table + "\"").get(0)));
    }
    LoggerFactory.getLogger(PostgresUpgradeTest.class).debug("row counts {}", counts);
    return counts;
  }

  private static List<String> query(String uri, String sql) {
    PgConnection conn = PgConnection.connect(vertx, PgConnectOptions.fromUri(uri)).await();
    try {
      var rows = conn.query(sql).execute().await();
      return StreamSupport.stream(rows.spliterator(), false)
          .map((Row r) -> String.valueOf(r.getValue(0))).toList();
    } finally {
      conn.close().await();
    }
  }
}
