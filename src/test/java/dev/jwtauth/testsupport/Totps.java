package dev.jwtauth.testsupport;

import dev.jwtauth.mfa.Totp;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.bouncycastle.util.encoders.Base32;

import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** TOTP enrolment and codes for tests, over real HTTP. */
public final class Totps {
  private Totps() {
  }

  /**
   * A confirmed TOTP.
   *
   * @param secret        the shared secret (decoded from the enrolment's base32)
   * @param recoveryCodes the recovery codes answered by the confirmation
   */
  public record Enrolled(byte[] secret, List<String> recoveryCodes) {
  }

  /** Starts and confirms an enrolment for the holder of {@code token}, with the code of the current step. */
  public static Enrolled enrol(TestServer server, String token, Clock clock) {
    byte[] secret = begin(server, token);
    var confirmed = server.postJson("/account/mfa/totp/confirm", token,
        new JsonObject().put("code", code(secret, clock, 0)));
    assertThat(confirmed.statusCode()).as("confirm: %s", confirmed.bodyAsString()).isEqualTo(200);
    return new Enrolled(secret, confirmed.bodyAsJsonObject().getJsonArray("recovery_codes").stream()
        .map(String.class::cast).toList());
  }

  /** Starts an enrolment; answers the secret. */
  public static byte[] begin(TestServer server, String token) {
    var res = server.http().request(HttpMethod.POST, AuthClient.Origin.AUTH, "/account/mfa/totp")
        .putHeader("Authorization", "Bearer " + token).send().await();
    assertThat(res.statusCode()).as("enrol: %s", res.bodyAsString()).isEqualTo(200);
    return decode(res.bodyAsJsonObject().getString("secret"));
  }

  public static byte[] decode(String base32) {
    return Base32.decode(base32);
  }

  /** The code of the step {@code offset} steps from the clock's current one. */
  public static String code(byte[] secret, Clock clock, int offset) {
    return Totp.code(secret, Totp.step(clock.instant()) + offset);
  }
}
