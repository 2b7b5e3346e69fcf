package dev.jwtauth.mfa;

import dev.jwtauth.http.ApiError;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.bouncycastle.util.encoders.Base32;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

/**
 * Enrolling a TOTP: {@link #begin} makes a secret and shows it once (an {@code otpauth://} URI,
 * its base32 secret and a QR code), stored sealed and unconfirmed; {@link #confirm} activates it
 * with a first code and answers the recovery codes (shown once); {@link #remove} deletes it.
 */
public final class TotpEnrolment {
  static final ApiError ALREADY = new ApiError(409, "conflict",
      "A confirmed TOTP exists already; remove it first (DELETE /account/mfa/totp).");
  static final ApiError NOTHING_PENDING = new ApiError(409, "conflict",
      "There is no TOTP enrolment to confirm; start one with POST /account/mfa/totp.");
  static final ApiError WRONG_CODE = new ApiError(400, "invalid_grant",
      "The code is incorrect; check the device's clock and type the code it shows now.");

  private final TotpStore store;
  private final TotpKey key;
  private final String label;
  private final Clock clock;

  /** @param issuer the configured {@code ISSUER}: its host names the account in authenticator apps */
  public TotpEnrolment(TotpStore store, TotpKey key, String issuer, Clock clock) {
    this.store = store;
    this.key = key;
    String host = URI.create(issuer).getHost();
    this.label = host == null ? "jwt-auth-server" : host;
    this.clock = clock;
  }

  /**
   * Starts (or restarts, while unconfirmed) an enrolment: {@code {"secret","otpauth_uri","qr_code",
   * "algorithm","digits","period"}}; 409 when a confirmed TOTP exists.
   */
  public Future<JsonObject> begin(UUID userId, String username) {
    byte[] secret = Totp.newSecret();
    return store.putUnconfirmed(userId, key.seal(userId, secret)).compose(stored -> {
      if (!stored) {
        return Future.failedFuture(ALREADY);
      }
      String base32 = new String(Base32.encode(secret), StandardCharsets.US_ASCII).replace("=", "");
      String uri = otpauthUri(label, username, base32);
      return Future.succeededFuture(new JsonObject().put("secret", base32).put("otpauth_uri", uri)
          .put("qr_code", QrCode.svgDataUri(uri)).put("algorithm", "SHA1").put("digits", Totp.DIGITS)
          .put("period", Totp.STEP_SECONDS));
    });
  }

  /** {@code otpauth://totp/<issuer>:<username>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30} (Key Uri Format). */
  static String otpauthUri(String issuer, String username, String base32Secret) {
    return "otpauth://totp/" + encode(issuer) + ":" + encode(username) + "?secret=" + base32Secret
        + "&issuer=" + encode(issuer) + "&algorithm=SHA1&digits=" + Totp.DIGITS + "&period=" + Totp.STEP_SECONDS;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * Confirms the pending enrolment with a first code: answers the {@link RecoveryCodes#COUNT}
   * recovery codes (only their hashes are kept). 400 {@code invalid_grant} for a wrong code, 409
   * when nothing is pending.
   */
  public Future<List<String>> confirm(UUID userId, String code) {
    return store.find(userId).compose(found -> {
      if (found.isEmpty() || found.get().confirmed()) {
        return Future.failedFuture(found.isEmpty() ? NOTHING_PENDING : ALREADY);
      }
      long step = Totp.matchingStep(key.open(userId, found.get().sealed()), code, Totp.step(clock.instant()),
          found.get().lastStep());
      if (step < 0) {
        return Future.failedFuture(WRONG_CODE);
      }
      List<String> codes = RecoveryCodes.newCodes();
      List<Buffer> hashes = codes.stream().map(c -> RecoveryCodes.hash(userId, c)).toList();
      return store.confirm(userId, step, hashes)
          .compose(done -> done ? Future.succeededFuture(codes) : Future.failedFuture(NOTHING_PENDING));
    });
  }

  /** Removes the user's TOTP and recovery codes; answers whether there was one. */
  public Future<Boolean> remove(UUID userId) {
    return store.remove(userId);
  }

  /** Whether the user has a confirmed TOTP, and its unused recovery codes: {@code {"totp","recovery_codes_left"}}. */
  public Future<JsonObject> status(UUID userId) {
    return store.confirmed(userId).compose(on -> !on
        ? Future.succeededFuture(new JsonObject().put("totp", false))
        : store.recoveryCodesLeft(userId).map(n -> new JsonObject().put("totp", true).put("recovery_codes_left", n)));
  }
}
