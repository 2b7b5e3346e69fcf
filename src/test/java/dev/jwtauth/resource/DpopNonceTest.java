package dev.jwtauth.resource;

import dev.jwtauth.testsupport.AuthClient.Origin;
import dev.jwtauth.testsupport.DpopKey;
import dev.jwtauth.testsupport.ServerExtension;
import dev.jwtauth.testsupport.TestUser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("DPoP server nonces (RFC 9449 §8) with DPOP_NONCE=true")
class DpopNonceTest {
  @RegisterExtension
  static final ServerExtension server = ServerExtension.withSettings(Map.of("DPOP_NONCE", true));

  private static HttpResponse<Buffer> login(TestUser user, String proof) {
    return server.http().request(HttpMethod.POST, Origin.AUTH, "/auth/login").putHeader("DPoP", proof)
        .sendJsonObject(new JsonObject().put("username", user.name()).put("password", user.password())).await();
  }

  private static HttpResponse<Buffer> me(String token, String proof) {
    return server.http().request(HttpMethod.GET, Origin.RESOURCE, "/api/me")
        .putHeader("Authorization", "DPoP " + token).putHeader("DPoP", proof).send().await();
  }

  @Test
  @DisplayName("a proof without the server's nonce gets use_dpop_nonce and a DPoP-Nonce; the retry with it succeeds, at the token endpoint and at /api/me")
  void nonceFlow() {
    TestUser user = server.newUser("nonce", "user");
    DpopKey key = DpopKey.es256();
    String loginUrl = "http://127.0.0.1:" + server.authPort() + "/auth/login";
    String meUrl = "http://127.0.0.1:" + server.resourcePort() + "/api/me";

    var first = login(user, key.proof("POST", loginUrl));
    assertThat(first.statusCode()).isEqualTo(400);
    assertThat(first.bodyAsJsonObject().getString("error")).isEqualTo("use_dpop_nonce");
    String nonce = first.getHeader("DPoP-Nonce");
    assertThat(nonce).isNotBlank();

    var wrongNonce = login(user, key.proof("POST", loginUrl, null, "not-the-nonce"));
    assertThat(wrongNonce.statusCode()).isEqualTo(400);
    assertThat(wrongNonce.bodyAsJsonObject().getString("error")).isEqualTo("use_dpop_nonce");

    var second = login(user, key.proof("POST", loginUrl, null, nonce));
    assertThat(second.statusCode()).as(second.bodyAsString()).isEqualTo(200);
    assertThat(second.bodyAsJsonObject().getString("token_type")).isEqualTo("DPoP");
    assertThat(second.getHeader("DPoP-Nonce")).isNotBlank();
    String access = second.bodyAsJsonObject().getString("access_token");

    var noNonce = me(access, key.proof("GET", meUrl, access, null));
    assertThat(noNonce.statusCode()).isEqualTo(401);
    assertThat(noNonce.bodyAsJsonObject().getString("error")).isEqualTo("use_dpop_nonce");
    assertThat(noNonce.getHeader("WWW-Authenticate")).startsWith("DPoP ").contains("error=\"use_dpop_nonce\"");
    String resourceNonce = noNonce.getHeader("DPoP-Nonce");
    assertThat(resourceNonce).isNotBlank();

    var withNonce = me(access, key.proof("GET", meUrl, access, resourceNonce));
    assertThat(withNonce.statusCode()).as(withNonce.bodyAsString()).isEqualTo(200);
  }
}
