package dev.jwtauth.resource;

import dev.jwtauth.keys.KeyEntry;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.testsupport.Jwts;
import dev.jwtauth.testsupport.ServerExtension;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.UUID;
import java.util.stream.Stream;

import static dev.jwtauth.testsupport.AuthClient.Origin.RESOURCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * A JSON object with a key twice is ambiguous: parsers disagree on which value wins, so a token
 * could grant one thing to one reader and another to the next (RFC 7515 §5.2 lets a verifier
 * reject it, RFC 8725 §3.3 asks for it). Every token here is signed with the server's real key from
 * hand-written JSON, so the duplicate is the only thing wrong with it; the same token without the
 * duplicate is accepted, so each test can fail.
 */
@DisplayName("Tokens whose header or payload repeats a key are rejected, even with a valid signature")
class DuplicateKeyTest {
  @RegisterExtension
  static final ServerExtension server = ServerExtension.create();
  static KeyEntry active;

  @BeforeAll
  static void activeKey() {
    active = server.keys().active();
  }

  static String header(String extra) {
    return "{" + extra + "\"alg\":\"RS256\",\"typ\":\"at+jwt\",\"kid\":\"" + active.kid() + "\"}";
  }

  /** Hand-written claims; {@code extra} goes first, so with a duplicate the later (valid) value is last. */
  static String payload(String extra, String roles, long exp) {
    long now = Instant.now().getEpochSecond();
    return "{" + extra
        + "\"iss\":\"" + server.config().issuer() + "\",\"aud\":\"api\","
        + "\"sub\":\"" + UUID.randomUUID() + "\",\"username\":\"mallory\","
        + "\"exp\":" + exp + ",\"iat\":" + now + ",\"jti\":\"" + UUID.randomUUID() + "\","
        + "\"sid\":\"" + UUID.randomUUID() + "\",\"roles\":" + roles + "}";
  }

  static String signed(String header, String payload) {
    return Jwts.signRaw(Jwts.b64(header) + "." + Jwts.b64(payload), SigningAlgorithm.RS256, active.privateKey());
  }

  static long inFiveMinutes() {
    return Instant.now().getEpochSecond() + 300;
  }

  static HttpResponse<Buffer> stats(String token) {
    return server.http().get(RESOURCE, "/api/admin/stats", token);
  }

  static void assertRejected(HttpResponse<Buffer> res) {
    assertThat(res.statusCode()).as("status, body %s", res.bodyAsString()).isEqualTo(401);
    assertThat(res.getHeader("WWW-Authenticate")).startsWith("Bearer");
    assertThat(res.bodyAsJsonObject().getString("error")).isEqualTo("invalid_token");
  }

  @Test
  @DisplayName("Control: the same hand-written admin token without a duplicate is accepted on /api/me and /api/admin/stats")
  void withoutDuplicateIsAccepted() {
    String token = signed(header(""), payload("", "[\"admin\"]", inFiveMinutes()));

    var me = server.http().me(token);
    assertThat(me.statusCode()).as("body %s", me.bodyAsString()).isEqualTo(200);
    assertThat(me.bodyAsJsonObject().getJsonArray("roles")).containsExactly("admin");
    assertThat(stats(token).statusCode()).isEqualTo(200);
  }

  static Stream<Arguments> duplicates() {
    long expired = Instant.now().getEpochSecond() - 3_600;
    return Stream.of(
        arguments(Named.of("payload: \"roles\":[\"user\"] then \"roles\":[\"admin\"]",
            signed(header(""), payload("\"roles\":[\"user\"],", "[\"admin\"]", inFiveMinutes())))),
        arguments(Named.of("payload: \"roles\" then an escaped \"rol\\u0065s\"",
            signed(header(""), payload("\"roles\":[\"user\"],\"rol\\u0065s\":[\"admin\"],", "[\"admin\"]",
                inFiveMinutes()).replaceFirst(",\"roles\":\\[\"admin\"\\]}$", "}")))),
        arguments(Named.of("payload: an expired \"exp\" then a valid \"exp\"",
            signed(header(""), payload("\"exp\":" + expired + ",", "[\"admin\"]", inFiveMinutes())))),
        arguments(Named.of("payload: a duplicate key inside a nested object",
            signed(header(""), payload("\"cnf\":{\"a\":1,\"a\":2},", "[\"admin\"]", inFiveMinutes())))),
        arguments(Named.of("header: \"alg\":\"none\" then \"alg\":\"RS256\"",
            signed(header("\"alg\":\"none\","), payload("", "[\"admin\"]", inFiveMinutes())))),
        arguments(Named.of("header: \"alg\":\"RS256\" twice",
            signed(header("\"alg\":\"RS256\","), payload("", "[\"admin\"]", inFiveMinutes())))),
        arguments(Named.of("header: \"typ\":\"JWT\" then \"typ\":\"at+jwt\"",
            signed(header("\"typ\":\"JWT\","), payload("", "[\"admin\"]", inFiveMinutes())))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("duplicates")
  @DisplayName("A duplicate key in the payload or the header makes a validly signed token a 401 on /api/me and /api/admin/stats")
  void duplicateKeyIsRejected(String token) {
    assertRejected(server.http().me(token));
    assertRejected(stats(token));
  }
}
