package dev.jwtauth.snippets;

import dev.jwtauth.keys.KeyEntry;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.TestServer;
import dev.jwtauth.testsupport.TestUser;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The README's Node snippet ({@code snippets/node/verify.mjs}: jose's {@code createRemoteJWKSet} and
 * {@code jwtVerify} with {@code typ: 'at+jwt'}) run by node against a real server. Skipped where node
 * or {@code node_modules/jose} is missing ({@code .ci/run} installs jose with npm).
 */
@DisplayName("Node (jose): the snippet verifies our access tokens and rejects tampered ones")
class NodeSnippetTest {
  private static final Path SNIPPET = Path.of("snippets", "node", "verify.mjs");
  private static TestServer auth;
  private static String issuer;

  /** The snippet's answer: exit code and first line of output. */
  private record Run(int exit, String out) {
  }

  @BeforeAll
  static void start() {
    assumeTrue(nodeWorks(), "node is not installed; the Node snippet is not run");
    assumeTrue(Files.isDirectory(Path.of("node_modules", "jose")), "node_modules/jose is missing (npm install jose)");
    int port = TestServer.freePort();
    issuer = "http://127.0.0.1:" + port;
    auth = TestServer.start(Map.of("ISSUER", issuer), port, 0);
  }

  @AfterAll
  static void stop() {
    if (auth != null) {
      auth.close();
    }
  }

  private static boolean nodeWorks() {
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Run verify(String token, String audience) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("node", SNIPPET.toString(), token).redirectErrorStream(true);
    pb.environment().put("ISSUER", issuer);
    pb.environment().put("AUDIENCE", audience);
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("node finishes within 60 s").isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    return new Run(p.exitValue(), out);
  }

  private static String resigned(String token, JsonObject headerChanges) {
    KeyEntry key = auth.keys().active();
    JsonObject h = Jwts.part(token, 0).mergeIn(headerChanges);
    return Jwts.sign(h, Jwts.part(token, 1), key.alg(), key.privateKey());
  }

  @Test
  @DisplayName("A fresh access token verifies: exit 0 and its claims")
  void accepts() throws Exception {
    TestUser user = auth.newUser("node");
    String token = auth.http().accessToken(user.name(), user.password());
    Run run = verify(token, "api");
    assertThat(run.exit()).as(run.out()).isZero();
    JsonObject claims = new JsonObject(run.out());
    assertThat(claims.getString("sub")).isEqualTo(Jwts.part(token, 1).getString("sub"));
    assertThat(claims.getString("iss")).isEqualTo(issuer);
  }

  @Test
  @DisplayName("A tampered token, typ JWT or another audience is rejected: exit 1 with jose's reason")
  void rejects() throws Exception {
    TestUser user = auth.newUser("node-bad");
    String token = auth.http().accessToken(user.name(), user.password());
    String[] parts = token.split("\\.");
    JsonObject claims = Jwts.part(token, 1).put("roles", List.of("admin"));
    String tampered = parts[0] + "." + Jwts.b64(claims.encode()) + "." + parts[2];
    Run forged = verify(tampered, "api");
    assertThat(forged.exit()).isEqualTo(1);
    assertThat(forged.out()).contains("ERR_JWS_SIGNATURE_VERIFICATION_FAILED");
    Run typ = verify(resigned(token, new JsonObject().put("typ", "JWT")), "api");
    assertThat(typ.exit()).isEqualTo(1);
    assertThat(typ.out()).contains("ERR_JWT_CLAIM_VALIDATION_FAILED");
    Run aud = verify(token, "another-api");
    assertThat(aud.exit()).isEqualTo(1);
    assertThat(aud.out()).contains("ERR_JWT_CLAIM_VALIDATION_FAILED");
  }
}
