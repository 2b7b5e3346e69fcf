package dev.jwtauth.bench;

import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.tokens.AccessTokens;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** What the benchmarks share: a default access token's claims and a key per algorithm. */
final class Fixtures {
  static final String ISSUER = "http://localhost:8080";
  static final String AUDIENCE = "api";
  static final String SUBJECT = "a20ce316-b110-436f-972f-57e35782cd06";
  static final String USERNAME = "bench001";
  static final List<String> ROLES = List.of("user");
  static final String SID = "3e1f2dff-2e9c-4f50-9492-860bd2b1dd89";
  static final Duration TTL = Duration.ofMinutes(15);

  private Fixtures() {
  }

  /** A signer holding a fresh key of {@code alg}, as an issuer verticle instance holds one. */
  static AccessTokens signer(SigningAlgorithm alg, KeyPair pair, String kid) throws GeneralSecurityException {
    AccessTokens tokens = new AccessTokens(ISSUER, AUDIENCE, Clock.systemUTC());
    tokens.useKey(kid, alg, pair.getPrivate());
    return tokens;
  }

  /** A login token with the default claims. */
  static String loginToken(AccessTokens signer) {
    return signer.issue(SUBJECT, USERNAME, ROLES, SID, null, TTL).token();
  }
}
