package dev.jwtauth.http;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.config.ConfigLoader;
import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.AuthClient.Origin;
import dev.jwtauth.testsupport.SelfSignedCertificate;
import dev.jwtauth.testsupport.ServerExtension;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * HTTPS from {@code TLS_CERT_FILE} and {@code TLS_KEY_FILE} (PEM) on both origins, with HSTS; a
 * self-signed certificate for 127.0.0.1 is made here, and the client trusts exactly that one.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("TLS: both origins serve HTTPS from the configured PEM files, with HSTS; bad TLS settings are named")
class TlsTest {
  static final SelfSignedCertificate cert = SelfSignedCertificate.create("tls");
  static final Path certFile = cert.certFile();
  static final Path keyFile = cert.keyFile();
  @RegisterExtension
  static final ServerExtension server = ServerExtension.withSettings(cert.settings());
  @RegisterExtension
  static final ServerExtension plain = ServerExtension.create();

  static WebClient https(Vertx vertx) {
    return WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(certFile.toString())));
  }

  @Test
  @DisplayName("Login and /api/me work over HTTPS, and both origins send Strict-Transport-Security")
  void loginAndCallOverHttps(Vertx vertx) {
    AuthClient client = new AuthClient(https(vertx), server.authPort(), server.resourcePort());

    var login = client.login("admin", TestServer.ADMIN_PASSWORD);
    assertThat(login.statusCode()).as("body %s", login.bodyAsString()).isEqualTo(200);
    assertThat(login.getHeader("Strict-Transport-Security")).startsWith("max-age=");
    String token = login.bodyAsJsonObject().getString("access_token");

    var me = client.me(token);
    assertThat(me.statusCode()).as("body %s", me.bodyAsString()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getString("username")).isEqualTo("admin");
    assertThat(me.getHeader("Strict-Transport-Security")).startsWith("max-age=");

    var denied = client.me(null);
    assertThat(denied.statusCode()).isEqualTo(401);
    assertThat(denied.getHeader("Strict-Transport-Security")).startsWith("max-age=");
  }

  @Test
  @DisplayName("Plain HTTP to a TLS port gets no answer, on either origin")
  void plainHttpFails() {
    for (int port : new int[] {server.authPort(), server.resourcePort()}) {
      assertThatThrownBy(() -> server.http().web().get(port, "127.0.0.1", "/health").timeout(5_000).send().await())
          .as("plain HTTP to port %d", port).isNotNull();
    }
  }

  @Test
  @DisplayName("Without TLS there is no Strict-Transport-Security (HSTS over plain HTTP is meaningless)")
  void noHstsWithoutTls() {
    var res = plain.http().get(Origin.AUTH, "/health");
    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Strict-Transport-Security")).isNull();
  }

  @Test
  @DisplayName("TLS_CERT_FILE without TLS_KEY_FILE (or the reverse) is refused, naming both settings")
  void certAndKeyTogether() {
    assertThatThrownBy(() -> AppConfig.from(ConfigLoader.defaults().put("TLS_CERT_FILE", certFile.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("TLS_CERT_FILE").hasMessageContaining("TLS_KEY_FILE");
    assertThatThrownBy(() -> AppConfig.from(ConfigLoader.defaults().put("TLS_KEY_FILE", keyFile.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("TLS_CERT_FILE").hasMessageContaining("TLS_KEY_FILE");
  }

  @Test
  @DisplayName("A TLS file that does not exist is refused, naming its setting and the path")
  void missingFileNamed() {
    Path missing = certFile.resolveSibling("no-such-file.pem");
    assertThatThrownBy(() -> AppConfig.from(ConfigLoader.defaults()
        .put("TLS_CERT_FILE", missing.toString()).put("TLS_KEY_FILE", keyFile.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("TLS_CERT_FILE").hasMessageContaining("no-such-file.pem");
    assertThatThrownBy(() -> AppConfig.from(ConfigLoader.defaults()
        .put("TLS_CERT_FILE", certFile.toString()).put("TLS_KEY_FILE", missing.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("TLS_KEY_FILE").hasMessageContaining("no-such-file.pem");
  }

  @Test
  @DisplayName("A TLS file that is not valid PEM stops start-up with a sentence naming the TLS settings")
  void garbageFileNamed() throws Exception {
    Path garbage = TestServer.tempDir("tls-bad").resolve("garbage.pem");
    Files.writeString(garbage, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");

    assertThatThrownBy(() -> TestServer.start(Map.of("TLS_CERT_FILE", garbage.toString(), "TLS_KEY_FILE",
        keyFile.toString())).close())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("TLS_CERT_FILE").hasMessageContaining("TLS_KEY_FILE");
    assertThatThrownBy(() -> TestServer.start(Map.of("TLS_CERT_FILE", certFile.toString(), "TLS_KEY_FILE",
        garbage.toString())).close())
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("TLS_CERT_FILE").hasMessageContaining("TLS_KEY_FILE");
  }
}
