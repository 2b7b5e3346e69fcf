package dev.jwtauth.oidc;

import dev.jwtauth.tokens.Digests;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.regex.Pattern;

/** Proof Key for Code Exchange (RFC 7636), {@code S256} only ({@code plain} is refused, OAuth 2.1). */
public final class Pkce {
  /** RFC 7636 §4.1: 43-128 characters of the unreserved set. */
  private static final Pattern VERIFIER = Pattern.compile("[A-Za-z0-9._~-]{43,128}");
  /** An S256 challenge: base64url without padding of a SHA-256, so exactly 43 characters. */
  private static final Pattern CHALLENGE = Pattern.compile("[A-Za-z0-9_-]{43}");

  private Pkce() {
  }

  /** Whether {@code challenge} has the shape of an S256 challenge. */
  public static boolean isChallenge(String challenge) {
    return challenge != null && CHALLENGE.matcher(challenge).matches();
  }

  /** Whether {@code verifier} has RFC 7636's shape. */
  public static boolean isVerifier(String verifier) {
    return verifier != null && VERIFIER.matcher(verifier).matches();
  }

  /** The S256 challenge of a verifier: BASE64URL(SHA256(ASCII(verifier))). */
  public static String challengeOf(String verifier) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(Digests.sha256(verifier));
  }

  /** Whether {@code verifier} is well formed and answers {@code challenge} (constant-time compare). */
  public static boolean matches(String verifier, String challenge) {
    return isVerifier(verifier) && MessageDigest.isEqual(challengeOf(verifier).getBytes(StandardCharsets.US_ASCII),
        challenge.getBytes(StandardCharsets.US_ASCII));
  }
}
