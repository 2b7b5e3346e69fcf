package dev.jwtauth.config;

import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Settings of issue 10 item 6: JWKS_URI scheme, idle timeout, management server, audit retention")
class OpsSettingsTest {

  private static JsonObject resourceOnly(String jwksUri) {
    return ConfigLoader.defaults().put("ROLES", "resource").put("JWKS_URI", jwksUri);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://auth.example.com/.well-known/jwks.json", "http://10.0.0.5:8080/.well-known/jwks.json",
      "http://127.0.0.1.nip.io/.well-known/jwks.json"})
  @DisplayName("JWKS_URI over plain http to a host that is not loopback stops start-up with a sentence naming it")
  void plainHttpRefused(String uri) {
    assertThatThrownBy(() -> AppConfig.from(resourceOnly(uri)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("JWKS_URI must be an https URL (plain http only to 127.0.0.1, localhost or [::1]), not '" + uri
            + "': keys fetched in the clear could be replaced on the way.");
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://auth.example.com/.well-known/jwks.json", "http://127.0.0.1:8080/.well-known/jwks.json",
      "http://localhost:8080/.well-known/jwks.json", "http://[::1]:8080/.well-known/jwks.json"})
  @DisplayName("JWKS_URI over https, or plain http to loopback, is accepted")
  void httpsOrLoopbackAccepted(String uri) {
    assertThat(AppConfig.from(resourceOnly(uri)).jwksUri()).isEqualTo(uri);
  }

  @Test
  @DisplayName("defaults: idle timeout 60 s, management server on 127.0.0.1:9000, audit kept 90 days")
  void defaults() {
    AppConfig cfg = AppConfig.from(ConfigLoader.defaults());
    assertThat(cfg.httpIdleTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(cfg.managementHttpHost()).isEqualTo("127.0.0.1");
    assertThat(cfg.managementHttpPort()).isEqualTo(9000);
    assertThat(cfg.managementServer()).isTrue();
    assertThat(cfg.auditRetention()).isEqualTo(Duration.ofDays(90));
  }

  @Test
  @DisplayName("bad values name their setting")
  void badValues() {
    assertThatThrownBy(() -> AppConfig.from(ConfigLoader.defaults().put("HTTP_IDLE_TIMEOUT", -1)))
        .hasMessage("HTTP_IDLE_TIMEOUT must be between 0 and 86400, not -1.");
    assertThatThrownBy(() -> AppConfig.from(ConfigLoader.defaults().put("MANAGEMENT_HTTP_PORT", -2)))
        .hasMessage("MANAGEMENT_HTTP_PORT must be between -1 and 65535, not -2.");
    assertThatThrownBy(() -> AppConfig.from(ConfigLoader.defaults().put("MANAGEMENT_HTTP_PORT", 8081)))
        .hasMessage("MANAGEMENT_HTTP_PORT must differ from AUTH_HTTP_PORT and RESOURCE_HTTP_PORT (it is 8081).");
    assertThatThrownBy(() -> AppConfig.from(ConfigLoader.defaults().put("AUDIT_RETENTION", 60)))
        .hasMessage("AUDIT_RETENTION must be between 3600 and 315360000, not 60.");
    assertThatThrownBy(() -> AppConfig.from(ConfigLoader.defaults().put("MANAGEMENT_HTTP_HOST", "")))
        .hasMessage("MANAGEMENT_HTTP_HOST must be set (it is empty).");
  }

  @Test
  @DisplayName("a management port already taken stops start-up with a sentence naming MANAGEMENT_HTTP_PORT")
  void managementPortTaken() throws Exception {
    try (var taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      AppConfig cfg = AppConfig.from(TestServer.baseSettings().put("MANAGEMENT_HTTP_PORT", taken.getLocalPort())
          .put("AUTH_HTTP_PORT", TestServer.freePort()).put("RESOURCE_HTTP_PORT", TestServer.freePort()));
      assertThatThrownBy(() -> dev.jwtauth.launcher.App.start(cfg, java.time.Clock.systemUTC(), false))
          .isInstanceOf(ConfigException.class)
          .hasMessage("MANAGEMENT_HTTP_PORT " + taken.getLocalPort() + " is already in use on 127.0.0.1; stop the other"
              + " process, choose another port, or set MANAGEMENT_HTTP_PORT=-1 to run without a management server.");
    }
  }
}
