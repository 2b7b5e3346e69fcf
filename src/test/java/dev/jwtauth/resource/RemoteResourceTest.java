package dev.jwtauth.resource;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.launcher.App;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(VertxExtension.class)
@DisplayName("A resource server of another team verifies tokens with the keys from jwks_uri, no database, no cluster")
class RemoteResourceTest {

  @Test
  @DisplayName("ROLES=resource with JWKS_URI accepts the issuer's tokens and rejects tampered ones")
  void jwksOverHttp() {
    try (TestServer auth = TestServer.start()) {
      int port = TestServer.freePort();
      JsonObject settings = TestServer.baseSettings().put("ROLES", "resource").put("PG_URI", "")
          .put("JWKS_URI", "http://127.0.0.1:" + auth.authPort() + "/.well-known/jwks.json")
          .put("AUTH_HTTP_PORT", TestServer.freePort()).put("RESOURCE_HTTP_PORT", port);
      try (App remote = App.start(AppConfig.from(settings), Clock.systemUTC(), false)) {
        assertThat(remote.embeddedDatabase()).isNull();
        String token = auth.accessToken("admin", TestServer.ADMIN_PASSWORD);
        var me = auth.client.get(port, "127.0.0.1", "/api/me").putHeader("Authorization", "Bearer " + token).send().await();
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(me.bodyAsJsonObject().getString("username")).isEqualTo("admin");

        String[] parts = token.split("\\.");
        String tampered = parts[0] + "." + Jwts.b64(Jwts.part(token, 1).put("roles", new JsonArray().add("root")).encode())
            + "." + parts[2];
        assertThat(auth.client.get(port, "127.0.0.1", "/api/me").putHeader("Authorization", "Bearer " + tampered)
            .send().await().statusCode()).isEqualTo(401);
        assertThat(auth.client.get(port, "127.0.0.1", "/ready").send().await().statusCode()).isEqualTo(200);
      }
    }
  }
}
