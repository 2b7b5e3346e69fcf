package dev.jwtauth.tokens;

import dev.jwtauth.keys.SigningAlgorithm;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * Builds and signs access tokens (RFC 9068 JWT profile) with the active key.
 *
 * <p>We sign with the JDK directly rather than through vertx-auth-jwt: its signer forces
 * {@code typ: JWT}, picks a random key when it holds several, and shares one {@link Signature}
 * per key behind a lock. Each instance of this class (one per verticle instance, so one event
 * loop) owns its own {@code Signature}; it is not thread-safe.
 */
public final class AccessTokens {
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String issuer;
  private final String audience;
  private final Clock clock;
  private String kid;
  private String encodedHeader;
  private String encodedIdHeader;
  private SigningAlgorithm alg;
  private Signature signer;

  public AccessTokens(String issuer, String audience, Clock clock) {
    this.issuer = issuer;
    this.audience = audience;
    this.clock = clock;
  }

  /** Switches to a new signing key (after a start or a rotation). */
  public void useKey(String kid, SigningAlgorithm alg, PrivateKey key) throws GeneralSecurityException {
    Signature s = alg.newSignature();
    s.initSign(key);
    JsonObject header = new JsonObject().put("alg", alg.name()).put("typ", "at+jwt").put("kid", kid);
    this.encodedHeader = B64URL.encodeToString(header.encode().getBytes(StandardCharsets.UTF_8));
    JsonObject idHeader = new JsonObject().put("alg", alg.name()).put("typ", "JWT").put("kid", kid);
    this.encodedIdHeader = B64URL.encodeToString(idHeader.encode().getBytes(StandardCharsets.UTF_8));
    this.alg = alg;
    this.kid = kid;
    this.signer = s;
  }

  /** The kid of the key that signs, or null before {@link #useKey}. */
  public String kid() {
    return kid;
  }

  /**
   * Issues a signed access token.
   *
   * @param subject  {@code sub}: the user id, or the client id for client_credentials
   * @param username {@code username}, or null for a client
   * @param roles    {@code roles}
   * @param sid      the session (refresh family) id, or null for a client token
   * @param clientId {@code client_id} when a client asked, else null
   * @param lifetime time to {@code exp}
   */
  public Issued issue(String subject, String username, List<String> roles, String sid, String clientId,
                      Duration lifetime) {
    return issue(subject, username, roles, sid, clientId, List.of(), lifetime);
  }

  /**
   * Same, with the granted scopes, carried as RFC 9068's space-separated {@code scope} claim (left
   * out when empty).
   */
  public Issued issue(String subject, String username, List<String> roles, String sid, String clientId,
                      List<String> scopes, Duration lifetime) {
    return issue(subject, username, roles, sid, clientId, scopes, List.of(), lifetime, null);
  }

  /**
   * Same, with RFC 8176's {@code amr} (how the user signed in: {@code ["pwd"]} or
   * {@code ["pwd","otp"]}; left out when empty, as for a client).
   */
  public Issued issue(String subject, String username, List<String> roles, String sid, String clientId,
                      List<String> scopes, List<String> amr, Duration lifetime) {
    return issue(subject, username, roles, sid, clientId, scopes, amr, lifetime, null);
  }

  /**
   * Same, bound to a DPoP key when {@code jkt} is not null: the token carries
   * {@code cnf: {"jkt": jkt}} (RFC 9449 §6.1) and is accepted only with a proof by that key.
   */
  public Issued issue(String subject, String username, List<String> roles, String sid, String clientId,
                      List<String> scopes, Duration lifetime, String jkt) {
    return issue(subject, username, roles, sid, clientId, scopes, List.of(), lifetime, jkt);
  }

  /** Same, with both {@code amr} (empty: none) and a DPoP binding ({@code jkt}, null: a bearer token). */
  public Issued issue(String subject, String username, List<String> roles, String sid, String clientId,
                      List<String> scopes, List<String> amr, Duration lifetime, String jkt) {
    if (signer == null) {
      throw new IllegalStateException("no signing key yet");
    }
    long now = clock.millis() / 1000;
    long exp = now + lifetime.toSeconds();
    String jti = randomId(9); // 72 random bits: unique among the tokens alive at once, and short
    JsonObject claims = new JsonObject()
        .put("iss", issuer)
        .put("sub", subject)
        .put("aud", audience)
        .put("exp", exp)
        .put("iat", now)
        .put("jti", jti);
    if (sid != null) {
      claims.put("sid", sid);
    }
    claims.put("roles", new JsonArray(roles));
    if (username != null) {
      claims.put("username", username);
    }
    if (clientId != null) {
      claims.put("client_id", clientId);
    }
    if (!scopes.isEmpty()) {
      claims.put("scope", String.join(" ", scopes));
    }
    if (!amr.isEmpty()) {
      claims.put("amr", new JsonArray(amr));
    }
    if (jkt != null) {
      claims.put("cnf", new JsonObject().put("jkt", jkt));
    }
    String signingInput = encodedHeader + "." + B64URL.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    try {
      signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      String token = signingInput + "." + B64URL.encodeToString(signer.sign());
      return new Issued(token, jti, exp, lifetime.toSeconds(), jkt);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing failed", e);
    }
  }

  /**
   * Signs an OpenID Connect ID token (OIDC Core §2) with the same key as access tokens, header
   * {@code typ: JWT}: {@code claims} are complete (iss, sub, aud, exp, iat, …), this adds nothing.
   */
  public String signIdToken(JsonObject claims) {
    if (signer == null) {
      throw new IllegalStateException("no signing key yet");
    }
    String signingInput = encodedIdHeader + "." + B64URL.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    try {
      signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      return signingInput + "." + B64URL.encodeToString(signer.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing failed", e);
    }
  }

  /**
   * OIDC Core §3.1.3.6 {@code at_hash} of an access token for the current key's algorithm: the left
   * half of its hash (SHA-256 for RS256, PS256, ES256; SHA-512 for EdDSA with Ed25519), base64url.
   */
  public String atHash(String accessToken) {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance(
          alg == SigningAlgorithm.EdDSA ? "SHA-512" : "SHA-256");
      byte[] digest = md.digest(accessToken.getBytes(StandardCharsets.US_ASCII));
      return B64URL.encodeToString(java.util.Arrays.copyOf(digest, digest.length / 2));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The issuer these tokens name ({@code iss}). */
  public String issuer() {
    return issuer;
  }

  /** A URL-safe random identifier of {@code bytes} random bytes. */
  public static String randomId(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return B64URL.encodeToString(b);
  }

  /**
   * An issued access token.
   *
   * @param token     the compact JWS
   * @param jti       its id
   * @param exp       expiry, epoch seconds
   * @param expiresIn lifetime in seconds
   * @param jkt       the DPoP key it is bound to ({@code cnf.jkt}), or null for a bearer token
   */
  public record Issued(String token, String jti, long exp, long expiresIn, String jkt) {
    /** A bearer token. */
    public Issued(String token, String jti, long exp, long expiresIn) {
      this(token, jti, exp, expiresIn, null);
    }

    /** {@code DPoP} for a bound token, else {@code Bearer} (RFC 9449 §5). */
    public String tokenType() {
      return jkt == null ? "Bearer" : "DPoP";
    }
  }
}
