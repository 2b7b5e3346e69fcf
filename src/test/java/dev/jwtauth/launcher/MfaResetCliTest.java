package dev.jwtauth.launcher;

import dev.jwtauth.testsupport.MutableClock;
import dev.jwtauth.testsupport.TestServer;
import dev.jwtauth.testsupport.TestUser;
import dev.jwtauth.testsupport.Totps;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("user reset-mfa: the command line removes a user's second factor, ends its sessions and records mfa_reset")
class MfaResetCliTest {
  static final MutableClock clock = new MutableClock();
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of(), clock);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  @DisplayName("reset-mfa: exit 0, the password alone logs in again, the old refresh token is dead; a user without TOTP: exit 2")
  void resetMfa() {
    TestUser u = server.newUser("clim", "user");
    var tokens = server.http().tokens(u.name(), u.password());
    Totps.enrol(server, tokens.getString("access_token"), clock);
    assertThat(server.login(u.name(), u.password()).bodyAsJsonObject().getString("error")).isEqualTo("mfa_required");

    CliRun run = CliRun.of(server.config(), "", "user", "reset-mfa", u.name());

    assertThat(run.code()).isEqualTo(0);
    assertThat(run.out()).contains(u.name()).contains("second factor removed");
    assertThat(server.http().refresh(tokens.getString("refresh_token")).statusCode()).isEqualTo(401);
    assertThat(server.login(u.name(), u.password()).statusCode()).isEqualTo(200);
    assertThat(CliRun.of(server.config(), "", "user", "reset-mfa", u.name()).code()).isEqualTo(2);
    assertThat(CliRun.of(server.config(), "", "user", "reset-mfa", "nobody-at-all").code()).isEqualTo(2);
    var audit = server.http().get(dev.jwtauth.testsupport.AuthClient.Origin.AUTH,
        "/admin/audit?event=mfa_reset&username=" + u.name(), server.adminToken());
    assertThat(audit.bodyAsString()).contains("mfa_reset").contains("cli");
  }
}
