package dev.jwtauth.db;

import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assumptions.assumeThat;

@DisplayName("The embedded PostgreSQL admits only holders of its password, and the application only as a plain role")
class EmbeddedDatabaseAuthTest {
  private static Path dataDir;
  private static TestServer server;
  private static Vertx vertx;

  @BeforeAll
  static void start() {
    dataDir = TestServer.tempDir("pgauth");
    server = TestServer.start(Map.of("PG_URI", "", "DATA_DIR", dataDir.toString()));
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    server.close();
    vertx.close().await();
  }

  private static EmbeddedDatabase db() {
    return server.app().embeddedDatabase();
  }

  @Test
  @DisplayName("without the password no one connects over TCP: neither as the superuser nor as the application's role")
  void noPasswordNoConnection() {
    String[][] attempts = {{"postgres", null}, {"postgres", "postgres"}, {"jwtauth", null}, {"jwtauth", "jwtauth"},
        {"jwtauth", "wrong-password"}};
    for (String database : List.of("jwtauth", "postgres", "template1")) {
      for (String[] attempt : attempts) {
        PgConnectOptions options = new PgConnectOptions().setHost("127.0.0.1").setPort(db().port())
            .setDatabase(database).setUser(attempt[0]);
        if (attempt[1] != null) {
          options.setPassword(attempt[1]);
        }
        Throwable refused = catchThrowable(() -> PgConnection.connect(vertx, options).await().close().await());
        assertThat(refused).as("%s with password %s on %s", attempt[0], attempt[1], database)
            .isInstanceOf(PgException.class);
        assertThat(((PgException) refused).getSqlState()).as("invalid_password").isEqualTo("28P01");
      }
    }
    // the same server lets the holders of the passwords in: the refusals above are authentication
    assertThat(value(db().uri(), "SELECT current_user")).isEqualTo("jwtauth");
    assertThat(value(superuserUri(), "SELECT current_user")).isEqualTo("postgres");
  }

  @Test
  @DisplayName("no unix socket and no trust: every rule the server loaded asks for a SCRAM password, on loopback")
  void noTrustNoSocket() throws Exception {
    List<String> rules = Files.readAllLines(dataDir.resolve("pg").resolve("pg_hba.conf")).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    assertThat(rules).isNotEmpty().allSatisfy(l -> assertThat(l).endsWith("scram-sha-256").doesNotContain("trust"));
    assertThat(values(superuserUri(), "SELECT DISTINCT auth_method || ' ' || coalesce(error, '') FROM pg_hba_file_rules"))
        .containsExactly("scram-sha-256 ");
    assertThat(value(superuserUri(), "SELECT setting FROM pg_settings WHERE name = 'unix_socket_directories'")).isEmpty();
    assertThat(value(superuserUri(), "SHOW listen_addresses")).isEqualTo("127.0.0.1");
    assertThat(values(superuserUri(), "SELECT left(rolpassword, 14) FROM pg_authid WHERE rolcanlogin"))
        .containsOnly("SCRAM-SHA-256$").hasSize(2);
    try (var files = Files.walk(dataDir)) {
      assertThat(files.filter(p -> p.getFileName().toString().startsWith(".s.PGSQL"))).isEmpty();
    }
    assertThat(Path.of("/tmp/.s.PGSQL." + db().port())).doesNotExist();
  }

  @Test
  @DisplayName("the application's role is no superuser, is member of nothing, owns its tables and cannot read server files")
  void applicationRoleIsPlain() {
    String app = db().uri();
    assertThat(value(app, "SELECT rolsuper::text || rolcreatedb::text || rolcreaterole::text || rolreplication::text"
        + " || rolbypassrls::text FROM pg_roles WHERE rolname = current_user")).isEqualTo("falsefalsefalsefalsefalse");
    assertThat(value(app, "SELECT count(*)::text FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member"
        + " WHERE r.rolname = current_user")).isEqualTo("0");
    assertThat(values(app, "SELECT DISTINCT tableowner::text FROM pg_tables WHERE schemaname = 'public'"))
        .containsExactly("jwtauth");
    assertThat(value(app, "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = current_database()"))
        .isEqualTo("jwtauth");
    for (String sql : List.of("SELECT pg_read_file('/etc/hostname')", "SELECT pg_ls_dir('.')",
        "COPY (SELECT 1) TO PROGRAM 'true'", "CREATE TEMP TABLE f (t text); COPY f FROM '/etc/hostname'",
        "CREATE DATABASE other", "CREATE ROLE other", "ALTER ROLE jwtauth SUPERUSER")) {
      Throwable refused = catchThrowable(() -> value(app, sql));
      assertThat(refused).as(sql).isInstanceOf(PgException.class);
      assertThat(((PgException) refused).getSqlState()).as(sql + ": insufficient_privilege").isEqualTo("42501");
    }
  }

  @Test
  @DisplayName("the refresh-rotation function runs with its caller's rights, and no other role may call it")
  void rotationFunctionIsTheApplications() {
    String su = superuserUri();
    assertThat(value(su, "SELECT pg_get_userbyid(proowner)::text || ' definer=' || prosecdef::text FROM pg_proc"
        + " WHERE proname = 'rotate_refresh_tokens'")).isEqualTo("jwtauth definer=false");
    String signature = "rotate_refresh_tokens(bytea[], uuid[], bytea[], text[], text[], timestamptz, timestamptz)";
    assertThat(value(su, "SELECT has_function_privilege('public', '" + signature + "', 'EXECUTE')::text"))
        .isEqualTo("false");
    // a role that could reach the schema still may not run it (all in one transaction, rolled back)
    Throwable refused = catchThrowable(() -> value(su, "CREATE ROLE outsider; GRANT USAGE ON SCHEMA public TO outsider;"
        + " SET ROLE outsider; SELECT count(*)::text FROM rotate_refresh_tokens('{}', '{}', '{}', '{}', '{}', now(), now())"));
    assertThat(refused).isInstanceOf(PgException.class);
    assertThat(((PgException) refused).getSqlState()).as("insufficient_privilege").isEqualTo("42501");
    assertThat(value(su, "SELECT count(*)::text FROM pg_roles WHERE rolname = 'outsider'")).isEqualTo("0");
    // the application's own role calls it (an empty batch consumes nothing)
    assertThat(value(db().uri(), "SELECT count(*)::text FROM rotate_refresh_tokens('{}', '{}', '{}', '{}', '{}', now(),"
        + " now())")).isEqualTo("0");
  }

  @Test
  @DisplayName("the password files are 0600 in a 0700 folder, which another OS user cannot read")
  void passwordFilesArePrivate() throws Exception {
    Path folder = PgCredentials.folder(dataDir);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(folder))).isEqualTo("rwx------");
    for (String name : List.of("jwtauth.password", "postgres.password")) {
      Path file = folder.resolve(name);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
      assertThat(Files.readString(file).strip()).matches("[0-9a-f]{64}");
      assertThat(Files.getOwner(file).getName()).isEqualTo(System.getProperty("user.name"));
    }
    assertThat(Files.readString(folder.resolve("jwtauth.password")))
        .isNotEqualTo(Files.readString(folder.resolve("postgres.password")));
    if (PgProcess.isRoot()) {
      // nobody, the user PostgreSQL runs as, stands for any other local user
      Process cat = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat",
          folder.resolve("jwtauth.password").toString()).redirectErrorStream(true).start();
      String out = new String(cat.getInputStream().readAllBytes());
      assertThat(cat.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(cat.exitValue()).isNotZero();
      assertThat(out).contains("Permission denied");
    }
  }

  @Test
  @DisplayName("started as root, PostgreSQL runs as nobody with no capability at all (dac_read_search alone when DATA_DIR is under a closed folder)")
  void noCapabilities() throws Exception {
    assumeThat(PgProcess.isRoot()).as("only a root server drops to nobody").isTrue();
    String pid = Files.readAllLines(dataDir.resolve("pg").resolve("postmaster.pid")).get(0).strip();
    List<String> status = Files.readAllLines(Path.of("/proc", pid, "status"));
    // DATA_DIR under a folder nobody cannot enter (a checkout in /root): the one fallback capability, dac_read_search
    String caps = PgProcess.keepsTraverseCapability() ? "0000000000000004" : "0000000000000000";
    assertThat(status).contains("Uid:\t65534\t65534\t65534\t65534", "Gid:\t65534\t65534\t65534\t65534",
        "CapInh:\t" + caps, "CapPrm:\t" + caps, "CapEff:\t" + caps, "CapBnd:\t" + caps, "CapAmb:\t" + caps,
        "NoNewPrivs:\t1");
  }

  @Test
  @DisplayName("the server works end to end on it: the bootstrap admin logs in and calls the resource origin")
  void endToEnd() {
    String token = server.accessToken("admin", TestServer.ADMIN_PASSWORD);
    assertThat(server.getResource("/api/me", token).statusCode()).isEqualTo(200);
  }

  private static String superuserUri() {
    return db().credentials().superuserUri(db().port(), PgCredentials.APP_DATABASE);
  }

  static String value(String uri, String sql) {
    List<String> all = values(uri, sql);
    return all.isEmpty() ? null : all.get(0);
  }

  /** The first column of every row of the last statement of {@code sql}, as text. */
  static List<String> values(String uri, String sql) {
    PgConnection conn = PgConnection.connect(vertx, PgConnectOptions.fromUri(uri)).await();
    try {
      RowSet<Row> rows = conn.query(sql).execute().await();
      while (rows.next() != null) {
        rows = rows.next();
      }
      List<String> out = new ArrayList<>();
      for (Row r : rows) {
        Object v = r.getValue(0);
        out.add(v == null ? null : v.toString());
      }
      return out;
    } finally {
      conn.close().await();
    }
  }
}
