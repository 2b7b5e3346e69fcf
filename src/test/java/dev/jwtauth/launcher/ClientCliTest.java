package dev.jwtauth.launcher;

import dev.jwtauth.testsupport.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("The command line administers clients by the same rules as the API, next to a running server")
class ClientCliTest {
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

  private static int clientCredentials(String id, String secret) {
    String basic = "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    return server.postForm("/oauth2/token", basic, Map.of("grant_type", "client_credentials")).statusCode();
  }

  @Test
  @DisplayName("client add refuses the admin role and a user-shaped id, like POST /admin/clients")
  void addRefusesAdmin() {
    assertThat(cli("client", "add", "cli-admin", "--role", "admin").code()).isEqualTo(2);
    assertThat(cli("client", "add", "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b").code()).isEqualTo(2);
    assertThat(cli("client", "list").out()).doesNotContain("cli-admin");
  }

  @Test
  @DisplayName("client list, rotate-secret, disable, enable and delete")
  void lifecycle() {
    CliRun added = cli("client", "add", "cli-svc", "--role", "reports", "--scope", "reports:read");
    assertThat(added.code()).isEqualTo(0);
    String first = added.value("client_secret");
    assertThat(clientCredentials("cli-svc", first)).isEqualTo(200);
    assertThat(cli("client", "list").out()).contains("cli-svc").contains("[reports]").doesNotContain(first);

    CliRun rotated = cli("client", "rotate-secret", "cli-svc");
    assertThat(rotated.code()).isEqualTo(0);
    String second = rotated.value("client_secret");
    assertThat(clientCredentials("cli-svc", first)).isEqualTo(401);
    assertThat(clientCredentials("cli-svc", second)).isEqualTo(200);

    assertThat(cli("client", "disable", "cli-svc").code()).isEqualTo(0);
    assertThat(clientCredentials("cli-svc", second)).isEqualTo(401);
    assertThat(cli("client", "list").out()).contains("DISABLED");
    assertThat(cli("client", "enable", "cli-svc").code()).isEqualTo(0);
    assertThat(clientCredentials("cli-svc", second)).isEqualTo(200);

    assertThat(cli("client", "delete", "cli-svc").code()).isEqualTo(0);
    assertThat(clientCredentials("cli-svc", second)).isEqualTo(401);
    assertThat(cli("client", "delete", "cli-svc").code()).isEqualTo(2);
    assertThat(cli("client", "disable", "nobody").code()).isEqualTo(2);
  }

  @Test
  @DisplayName("client add takes RFC 7591's metadata: a public code-flow client gets no secret; bad redirect URIs are refused")
  void addCodeFlowClients() {
    CliRun pub = cli("client", "add", "cli-spa", "--redirect-uri", "http://127.0.0.1:3000/cb",
        "--token-endpoint-auth-method", "none", "--scope", "openid profile");
    assertThat(pub.code()).isEqualTo(0);
    assertThat(pub.out()).doesNotContain("client_secret=");
    var listed = server.http().get(dev.jwtauth.testsupport.AuthClient.Origin.AUTH, "/admin/clients/cli-spa",
        server.adminToken()).bodyAsJsonObject();
    assertThat(listed.getJsonArray("redirect_uris")).containsExactly("http://127.0.0.1:3000/cb");
    assertThat(listed.getJsonArray("grant_types")).containsExactly("authorization_code", "refresh_token");
    assertThat(listed.getJsonArray("scopes")).containsExactly("openid", "profile");
    assertThat(listed.getBoolean("public")).isTrue();

    CliRun web = cli("client", "add", "cli-web", "--redirect_uris", "https://app.example.com/cb",
        "--grant_types", "authorization_code", "--token_endpoint_auth_method", "client_secret_post");
    assertThat(web.code()).isEqualTo(0);
    assertThat(web.value("client_secret")).isNotBlank();

    assertThat(cli("client", "add", "cli-bad", "--redirect-uri", "http://app.example.com/cb").code()).isEqualTo(2);
    assertThat(cli("client", "add", "cli-bad", "--redirect-uri", "https://app.example.com/cb#x").code()).isEqualTo(2);
    assertThat(cli("client", "add", "cli-bad", "--token-endpoint-auth-method", "none").code())
        .as("a public client_credentials client has nothing to authenticate with").isEqualTo(2);
    assertThat(cli("client", "list").out()).contains("cli-spa").contains("PUBLIC").doesNotContain("cli-bad");
  }
}
