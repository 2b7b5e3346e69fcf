package dev.jwtauth.testsupport;

import dev.jwtauth.keys.SigningAlgorithm;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.Base64;

/** Builds arbitrary compact JWS for attack tests: any header, any payload, any signature. */
public final class Jwts {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private Jwts() {
  }

  public static String b64(String s) {
    return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  public static String b64(byte[] b) {
    return B64.encodeToString(b);
  }

  /** Signs header.payload with a real key of {@code alg}. */
  public static String sign(JsonObject header, JsonObject payload, SigningAlgorithm alg, PrivateKey key) {
    return signRaw(b64(header.encode()) + "." + b64(payload.encode()), alg, key);
  }

  /** Signs an already encoded signing input (to craft odd JSON such as duplicate keys). */
  public static String signRaw(String signingInput, SigningAlgorithm alg, PrivateKey key) {
    try {
      var s = alg.newSignature();
      s.initSign(key);
      s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + b64(s.sign());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Signs header.payload with HMAC-SHA256 under {@code secret} (the key-confusion attack). */
  public static String hs256(JsonObject header, JsonObject payload, byte[] secret) {
    try {
      String input = b64(header.encode()) + "." + b64(payload.encode());
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return input + "." + b64(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The decoded header (0) or payload (1) of a compact JWS. */
  public static JsonObject part(String token, int index) {
    return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.")[index]), StandardCharsets.UTF_8));
  }
}
