package dev.jwtauth.db;

import dev.jwtauth.testsupport.TestServer;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

@Tag("slow")
@DisplayName("A data folder of the release before passwords is upgraded in place on the next start, nothing lost")
class EmbeddedDatabaseUpgradeTest {

  @Test
  @DisplayName("trust is gone, the application's role owns the old tables, users, clients and revocations survive")
  void upgradeInPlace() throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger ours = context.getLogger("dev.jwtauth");
    Level before = ours.getLevel();
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.setContext(context);
    captured.start();
    ours.addAppender(captured);
    ours.setLevel(Level.DEBUG);
    Path dataDir;
    try {
      dataDir = upgrade();
    } finally {
      ours.detachAppender(captured);
      ours.setLevel(before);
      captured.stop();
    }
    List<String> lines;
    synchronized (captured) {
      lines = captured.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
    assertThat(lines).anyMatch(l -> l.contains("Setting up the embedded PostgreSQL's roles and passwords"));
    for (String name : List.of("jwtauth.password", "postgres.password")) {
      String password = Files.readString(PgCredentials.folder(dataDir).resolve(name)).strip();
      assertThat(lines).as("no log line holds " + name).noneMatch(l -> l.contains(password));
    }
    assertThat(lines).as("nor a password verifier").noneMatch(l -> l.contains("SCRAM-SHA-256$"));
  }

  private static Path upgrade() throws Exception {
    Path dataDir = TestServer.tempDir("old-release");
    String keysDir = TestServer.tempDir("keys").toString();
    int oldPort = TestServer.freePort();

    // the previous release: its embedded PostgreSQL (trust) and its server on it, as superuser postgres
    PreviousRelease.start(dataDir, oldPort);
    String adminToken;
    String loggedOut;
    String clientSecret;
    try (TestServer old = TestServer.start(Map.of("PG_URI", PreviousRelease.uri(oldPort), "KEYS_DIR", keysDir))) {
      old.createUser("bob", "bob-password-1", "user");
      clientSecret = old.createClient("reports", List.of("reports"), List.of("reports:read"));
      adminToken = old.accessToken("admin", TestServer.ADMIN_PASSWORD);
      loggedOut = old.accessToken("bob", "bob-password-1");
      assertThat(old.postJson("/auth/logout", loggedOut, new JsonObject()).statusCode()).isEqualTo(204);
      assertThat(old.getResource("/api/me", loggedOut).statusCode()).isEqualTo(401);
    } finally {
      PreviousRelease.stop(dataDir);
    }
    assertThat(PgCredentials.folder(dataDir)).doesNotExist();

    // this release on the same DATA_DIR (and keys), twice: the upgrade, then an ordinary start
    Map<String, Object> embedded = Map.of("PG_URI", "", "DATA_DIR", dataDir.toString(), "KEYS_DIR", keysDir,
        "BOOTSTRAP_ADMIN_PASSWORD", "");
    try (TestServer upgraded = TestServer.start(embedded)) {
      for (int start = 1; start <= 2; start++) {
        assertThat(upgraded.login("admin", TestServer.ADMIN_PASSWORD).statusCode()).as("admin, start %d", start).isEqualTo(200);
        assertThat(upgraded.login("bob", "bob-password-1").statusCode()).as("bob, start %d", start).isEqualTo(200);
        String basic = "Basic " + Base64.getEncoder().encodeToString(("reports:" + clientSecret).getBytes(StandardCharsets.UTF_8));
        assertThat(upgraded.postForm("/oauth2/token", basic, Map.of("grant_type", "client_credentials")).statusCode())
            .as("client, start %d", start).isEqualTo(200);
        assertThat(upgraded.getResource("/api/me", adminToken).statusCode()).as("an old token").isEqualTo(200);
        assertThat(upgraded.getResource("/api/me", loggedOut).statusCode()).as("a revoked token").isEqualTo(401);
        checkNoTrust(upgraded.app().embeddedDatabase(), dataDir);
        if (start == 1) {
          upgraded.restart();
        }
      }
    }
    return dataDir;
  }

  private static void checkNoTrust(EmbeddedDatabase db, Path dataDir) throws Exception {
    assertThat(Files.readString(dataDir.resolve("pg").resolve("pg_hba.conf"))).doesNotContain("trust");
    Vertx vertx = Vertx.vertx();
    try {
      Throwable refused = catchThrowable(() -> PgConnection.connect(vertx, new PgConnectOptions().setHost("127.0.0.1")
          .setPort(db.port()).setUser("postgres").setDatabase("jwtauth")).await());
      assertThat(refused).isInstanceOf(PgException.class);
      assertThat(((PgException) refused).getSqlState()).isEqualTo("28P01");

      String superuser = db.credentials().superuserUri(db.port(), "template1");
      assertThat(column(vertx, superuser, "SELECT datname FROM pg_database WHERE NOT datistemplate"))
          .containsExactly("jwtauth");
      assertThat(column(vertx, superuser, "SELECT DISTINCT auth_method FROM pg_hba_file_rules")).containsExactly("scram-sha-256");

      // the application's role owns every old table, so it can run the next release's migrations
      String app = db.uri();
      assertThat(column(vertx, app, "SELECT tablename || ' ' || tableowner FROM pg_tables WHERE schemaname = 'public'"
          + " ORDER BY 1")).containsExactly("audit_events jwtauth", "clients jwtauth", "refresh_tokens jwtauth",
          "revocations jwtauth", "schema_version jwtauth", "users jwtauth");
      assertThat(column(vertx, app, "SELECT sequencename || ' ' || sequenceowner FROM pg_sequences"))
          .containsExactly("audit_events_id_seq jwtauth");
      assertThat(column(vertx, app, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"))
          .containsExactly("false");
      assertThat(column(vertx, app, "ALTER TABLE users ADD COLUMN probe integer; ALTER TABLE users DROP COLUMN probe;"
          + " CREATE TABLE probe (id integer); DROP TABLE probe; SELECT 'ddl ok'")).containsExactly("ddl ok");
    } finally {
      vertx.close().await();
    }
  }

  private static List<String> column(Vertx vertx, String uri, String sql) {
    PgConnection conn = PgConnection.connect(vertx, PgConnectOptions.fromUri(uri)).await();
    try {
      var rows = conn.query(sql).execute().await();
      while (rows.next() != null) {
        rows = rows.next();
      }
      List<String> out = new ArrayList<>();
      for (Row r : rows) {
        out.add(String.valueOf(r.getValue(0)));
      }
      return out;
    } finally {
      conn.close().await();
    }
  }
}
