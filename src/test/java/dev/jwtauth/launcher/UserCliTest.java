package dev.jwtauth.launcher;

import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.TestServer;
import dev.jwtauth.testsupport.TestUser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The command line's user verbs follow the rules of /admin/users")
class UserCliTest {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static CliRun cli(String... args) {
    return CliRun.of(server.config(), "", args);
  }

  @Test
  @DisplayName("user list, show and roles")
  void listShowRoles() {
    TestUser u = server.newUser("clil", "user");

    CliRun list = cli("user", "list", "--q", u.name());
    assertThat(list.code()).isEqualTo(0);
    assertThat(list.out()).contains(u.name()).contains("1 of 1 users");
    assertThat(cli("user", "list").out()).contains("admin");

    CliRun show = cli("user", "show", u.name());
    assertThat(show.code()).isEqualTo(0);
    assertThat(show.out()).contains(u.name()).contains("roles=[user]").doesNotContain("argon2");
    assertThat(cli("user", "show", "nobody-cli").code()).isEqualTo(2);

    CliRun roles = cli("user", "roles", u.name(), "--role", "user", "--role", "ops");
    assertThat(roles.code()).isEqualTo(0);
    assertThat(roles.out()).contains("roles=[user, ops]");
    assertThat(Jwts.part(server.accessToken(u.name(), u.password()), 1).getJsonArray("roles").getList())
        .containsExactly("user", "ops");
    assertThat(cli("user", "roles", u.name(), "--role", "Bad Role").code()).isEqualTo(2);
  }

  @Test
  @DisplayName("user disable, enable and delete; the last enabled admin cannot be disabled, deleted or demoted")
  void disableEnableDelete() {
    TestUser u = server.newUser("clid", "user");

    assertThat(cli("user", "disable", u.name()).code()).isEqualTo(0);
    assertThat(server.login(u.name(), u.password()).statusCode()).isEqualTo(401);
    assertThat(cli("user", "enable", u.name()).code()).isEqualTo(0);
    assertThat(server.login(u.name(), u.password()).statusCode()).isEqualTo(200);
    assertThat(cli("user", "delete", u.name()).code()).isEqualTo(0);
    assertThat(server.login(u.name(), u.password()).statusCode()).isEqualTo(401);
    assertThat(cli("user", "delete", u.name()).code()).isEqualTo(2);

    assertThat(cli("user", "disable", "admin").code()).isEqualTo(2);
    assertThat(cli("user", "delete", "admin").code()).isEqualTo(2);
    assertThat(cli("user", "roles", "admin", "--role", "user").code()).isEqualTo(2);
    assertThat(server.login("admin", TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("user sessions, end-sessions and reset-password")
  void sessionsAndReset() {
    TestUser u = server.newUser("clis", "user");
    var pair = server.http().tokens(u.name(), u.password());
    String sid = Jwts.part(pair.getString("access_token"), 1).getString("sid");

    CliRun sessions = cli("user", "sessions", u.name());
    assertThat(sessions.code()).isEqualTo(0);
    assertThat(sessions.out()).contains("sid=" + sid).contains("1 live sessions");

    assertThat(cli("user", "end-sessions", u.name()).code()).isEqualTo(0);
    assertThat(server.http().refresh(pair.getString("refresh_token")).statusCode()).isEqualTo(401);
    assertThat(cli("user", "sessions", u.name()).out()).contains("0 live sessions");

    CliRun reset = cli("user", "reset-password", u.name());
    assertThat(reset.code()).isEqualTo(0);
    String token = reset.out().lines().filter(l -> l.startsWith("reset_token=")).findFirst().orElseThrow()
        .substring("reset_token=".length()).split(" ")[0];
    assertThat(server.login(u.name(), u.password()).statusCode()).isEqualTo(401);
    var done = server.postJson("/auth/password-reset", null, new io.vertx.core.json.JsonObject()
        .put("reset_token", token).put("new_password", "cli-reset-passphrase"));
    assertThat(done.statusCode()).isEqualTo(204);
    assertThat(server.login(u.name(), "cli-reset-passphrase").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("user add refuses a common password")
  void addRefusesCommon() {
    assertThat(CliRun.of(server.config(), "football1\n", "user", "add", "frank").code()).isEqualTo(2);
    assertThat(server.login("frank", "football1").statusCode()).isEqualTo(401);
  }
}
