package dev.jwtauth.http;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.config.ConfigLoader;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
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
  static Path certFile;
  static Path keyFile;
  static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    Path dir = TestServer.tempDir("tls");
    certFile = dir.resolve("server.crt.pem");
    keyFile = dir.resolve("server.key.pem");
    writeSelfSigned(certFile, keyFile);
    server = TestServer.start(Map.of("TLS_CERT_FILE", certFile.toString(), "TLS_KEY_FILE", keyFile.toString()));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** A self-signed RSA certificate for localhost and 127.0.0.1, and its key (PKCS #8), as PEM. */
  static void writeSelfSigned(Path cert, Path key) throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
    gen.initialize(2048);
    KeyPair pair = gen.generateKeyPair();
    X500Name name = new X500Name("CN=localhost");
    Instant now = Instant.now();
    var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(1))), name, pair.getPublic());
    builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    byte[] der = builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())).getEncoded();
    Files.writeString(cert, pem("CERTIFICATE", der));
    Files.writeString(key, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
  }

  static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  static WebClient https(Vertx vertx) {
    return WebClient.create(vertx, new WebClientOptions().setSsl(true).setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(certFile.toString())));
  }

  @Test
  @DisplayName("Login and /api/me work over HTTPS, and both origins send Strict-Transport-Security")
  void loginAndCallOverHttps(Vertx vertx) {
    WebClient client = https(vertx);

    var login = client.post(server.authPort(), "127.0.0.1", "/auth/login")
        .sendJsonObject(new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)).await();
    assertThat(login.statusCode()).as("body %s", login.bodyAsString()).isEqualTo(200);
    assertThat(login.getHeader("Strict-Transport-Security")).startsWith("max-age=");
    String token = login.bodyAsJsonObject().getString("access_token");

    var me = client.get(server.resourcePort(), "127.0.0.1", "/api/me").bearerTokenAuthentication(token).send().await();
    assertThat(me.statusCode()).as("body %s", me.bodyAsString()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getString("username")).isEqualTo("admin");
    assertThat(me.getHeader("Strict-Transport-Security")).startsWith("max-age=");

    var denied = client.get(server.resourcePort(), "127.0.0.1", "/api/me").send().await();
    assertThat(denied.statusCode()).isEqualTo(401);
    assertThat(denied.getHeader("Strict-Transport-Security")).startsWith("max-age=");
  }

  @Test
  @DisplayName("Plain HTTP to a TLS port gets no answer, on either origin")
  void plainHttpFails() {
    for (int port : new int[] {server.authPort(), server.resourcePort()}) {
      assertThatThrownBy(() -> server.client.get(port, "127.0.0.1", "/health").timeout(5_000).send().await())
          .as("plain HTTP to port %d", port).isNotNull();
    }
  }

  @Test
  @DisplayName("Without TLS there is no Strict-Transport-Security (HSTS over plain HTTP is meaningless)")
  void noHstsWithoutTls() {
    try (TestServer plain = TestServer.start()) {
      var res = plain.client.get(plain.authPort(), "127.0.0.1", "/health").send().await();
      assertThat(res.statusCode()).isEqualTo(200);
      assertThat(res.getHeader("Strict-Transport-Security")).isNull();
    }
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
