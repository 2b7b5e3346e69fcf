package dev.jwtauth.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.jwtauth.keys.KeyEntry;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs every flow that handles a secret (start-up with a bootstrap password, logins good and bad,
 * user and client creation, refresh and its reuse, logout, client_credentials, forged tokens)
 * while capturing every log event, this project's at DEBUG, and checks that no line holds a
 * password, a token, a client secret or the private key. The server starts inside the test (not
 * from a {@code ServerExtension}) because its start-up must be captured too.
 */
@DisplayName("No password, token, client secret or private key ever reaches the logs")
class NoSecretsInLogsTest {
  static final String USER_PASSWORD = "user-secret-pw-7f3a9c";
  static final String WRONG_PASSWORD = "wrong-secret-pw-51be02";
  static final String UNKNOWN_USER_PASSWORD = "unknown-secret-pw-c0ffee";
  static final String WRONG_CLIENT_SECRET = "wrong-client-secret-9d8e7f6a5b4c";

  @Test
  @DisplayName("Log lines of start-up, logins, user and client creation, refresh, reuse, logout, client_credentials and attacks hold no secret")
  void noSecretInAnyLogLine() throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger ours = context.getLogger("dev.jwtauth");
    Level oursBefore = ours.getLevel();
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.setContext(context);
    captured.start();
    root.addAppender(captured);
    ours.setLevel(Level.DEBUG);

    List<String> secrets = new ArrayList<>();
    try {
      try (TestServer server = TestServer.start()) {
        secrets.addAll(List.of(TestServer.ADMIN_PASSWORD, USER_PASSWORD, WRONG_PASSWORD, UNKNOWN_USER_PASSWORD,
            WRONG_CLIENT_SECRET));
        exercise(server, secrets);
        secrets.addAll(privateKeyTexts(server));
      }
    } finally {
      root.detachAppender(captured);
      ours.setLevel(oursBefore);
      captured.stop();
    }

    List<String> lines;
    synchronized (captured) {
      lines = captured.list.stream().map(NoSecretsInLogsTest::text).toList();
    }
    // the flows did log: a capture that saw nothing would prove nothing
    assertThat(lines).anyMatch(l -> l.contains("login failed user_id="));
    assertThat(lines).anyMatch(l -> l.contains("refresh token reuse detected"));
    assertThat(lines).anyMatch(l -> l.contains("client created client_id="));
    assertThat(lines).anyMatch(l -> l.contains("logout user_id="));

    assertThat(secrets).allMatch(s -> s.length() >= 16, "secrets long enough not to match by chance");
    for (String line : lines) {
      assertThat(line).doesNotContain("PRIVATE KEY");
      for (String secret : secrets) {
        assertThat(line).as("a log line holds a secret (%s...)", secret.substring(0, 6)).doesNotContain(secret);
      }
    }
  }

  /** The formatted message with the logger name and the whole throwable (causes and stack). */
  static String text(ILoggingEvent e) {
    String thrown = e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy());
    return e.getLoggerName() + " " + e.getFormattedMessage() + thrown;
  }

  /** Runs the flows, adding every token and secret the server hands out to {@code secrets}. */
  static void exercise(TestServer server, List<String> secrets) {
    AuthClient http = server.http();
    String admin = http.accessToken("admin", TestServer.ADMIN_PASSWORD);
    secrets.add(admin);

    // user creation
    String name = "logged-" + UUID.randomUUID().toString().substring(0, 8);
    var created = http.createUser(admin, name, USER_PASSWORD, "user");
    assertThat(created.statusCode()).isEqualTo(201);

    // logins: good, wrong password, unknown user
    JsonObject first = loginOk(http, name, secrets);
    assertThat(http.login(name, WRONG_PASSWORD).statusCode()).isEqualTo(401);
    assertThat(http.login("nobody-" + name, UNKNOWN_USER_PASSWORD).statusCode()).isEqualTo(401);

    // refresh, then reuse of the consumed refresh token
    var refreshed = http.refresh(first.getString("refresh_token"));
    assertThat(refreshed.statusCode()).isEqualTo(200);
    addTokens(refreshed.bodyAsJsonObject(), secrets);
    var reuse = http.refresh(first.getString("refresh_token"));
    assertThat(reuse.statusCode()).isEqualTo(401);

    // logout
    JsonObject second = loginOk(http, name, secrets);
    var logout = http.logout(second.getString("access_token"), second.getString("refresh_token"));
    assertThat(logout.statusCode()).isEqualTo(204);
    assertThat(http.me(second.getString("access_token")).statusCode()).isEqualTo(401);

    // client creation, client_credentials (good and bad secret), introspection and revocation
    String clientSecret = server.createClient("logged-client", List.of("reports"), List.of("reports:read"));
    secrets.add(clientSecret);
    var clientToken = http.token(Map.of("grant_type", "client_credentials",
        "client_id", "logged-client", "client_secret", clientSecret));
    assertThat(clientToken.statusCode()).isEqualTo(200);
    String clientAccess = clientToken.bodyAsJsonObject().getString("access_token");
    secrets.add(clientAccess);
    String basic = "Basic " + Base64.getEncoder().encodeToString(("logged-client:" + clientSecret).getBytes());
    secrets.add(basic.substring("Basic ".length()));
    assertThat(http.token(Map.of("grant_type", "client_credentials",
        "client_id", "logged-client", "client_secret", WRONG_CLIENT_SECRET)).statusCode()).isEqualTo(401);
    assertThat(http.postForm("/oauth2/introspect", basic, Map.of("token", clientAccess)).statusCode())
        .isEqualTo(200);
    assertThat(http.postForm("/oauth2/revoke", basic, Map.of("token", clientAccess)).statusCode()).isEqualTo(200);

    // attacks: a tampered payload, alg none, a duplicate claim; on the resource and the auth origin
    KeyEntry key = server.keys().active();
    long now = Instant.now().getEpochSecond();
    JsonObject header = new JsonObject().put("alg", "RS256").put("typ", "at+jwt").put("kid", key.kid());
    JsonObject claims = new JsonObject().put("iss", server.config().issuer()).put("aud", "api")
        .put("sub", UUID.randomUUID().toString()).put("exp", now + 300).put("iat", now)
        .put("jti", UUID.randomUUID().toString()).put("roles", new JsonArray().add("user"));
    String valid = Jwts.sign(header, claims, SigningAlgorithm.RS256, key.privateKey());
    String[] parts = valid.split("\\.");
    List<String> attacks = List.of(
        parts[0] + "." + Jwts.b64(claims.copy().put("roles", new JsonArray().add("admin")).encode()) + "." + parts[2],
        Jwts.b64(header.copy().put("alg", "none").encode()) + "." + parts[1] + ".",
        Jwts.signRaw(parts[0] + "." + Jwts.b64(claims.encode().replaceFirst("\\{", "{\"roles\":[\"admin\"],")),
            SigningAlgorithm.RS256, key.privateKey()));
    secrets.add(valid);
    secrets.addAll(attacks);
    for (String attack : attacks) {
      assertThat(http.get(AuthClient.Origin.RESOURCE, "/api/admin/stats", attack).statusCode()).isEqualTo(401);
      assertThat(http.post("/auth/logout", attack, new JsonObject()).statusCode()).isEqualTo(401);
      assertThat(http.postForm("/oauth2/introspect", basic, Map.of("token", attack)).statusCode()).isEqualTo(200);
    }
  }

  static JsonObject loginOk(AuthClient http, String name, List<String> secrets) {
    var res = http.login(name, USER_PASSWORD);
    assertThat(res.statusCode()).isEqualTo(200);
    addTokens(res.bodyAsJsonObject(), secrets);
    return res.bodyAsJsonObject();
  }

  static void addTokens(JsonObject tokens, List<String> secrets) {
    String access = tokens.getString("access_token");
    secrets.add(access);
    secrets.add(access.substring(access.lastIndexOf('.') + 1));
    secrets.add(tokens.getString("refresh_token"));
  }

  /** The private key's base64 as in its PEM file (whole and line by line) and as plain DER base64. */
  static List<String> privateKeyTexts(TestServer server) throws Exception {
    KeyEntry key = server.keys().active();
    List<String> texts = new ArrayList<>();
    String pem = Files.readString(server.config().keysDir().resolve(key.fileStem() + ".key.pem"));
    List<String> body = pem.lines().filter(l -> !l.startsWith("-----") && !l.isBlank()).toList();
    texts.add(String.join("", body));
    body.stream().filter(l -> l.length() >= 16).forEach(texts::add);
    texts.add(Base64.getEncoder().encodeToString(key.privateKey().getEncoded()));
    return texts;
  }
}
