package dev.jwtauth.verifier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.Credentials;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Validates access tokens against the published public keys, failing closed.
 *
 * <p>Signature, {@code iss} and {@code aud} are checked by vertx-auth-jwt's
 * {@link JWTAuth}, built from public JWKs only. Around it this class enforces what that library
 * does not: it never runs without keys (vertx-auth-jwt accepts unsigned tokens when it holds
 * none), it accepts only the algorithms and kids of the published keys, only access tokens
 * ({@code typ: at+jwt}, RFC 9068 §4), no {@code crit} or embedded-key headers, and standard
 * claims of the right JSON type with {@code exp} required and checked (with {@code iat} and
 * {@code nbf}) against an injectable clock. Implementing {@link JWTAuth} lets
 * vertx-web's {@code JWTAuthHandler} use it unchanged.
 *
 * <p>One instance per verticle instance (vertx-auth-jwt locks one {@code Signature} per key, so one
 * instance shared by several event loops halves throughput); {@link #update} may be called from any
 * thread (the key state is swapped as a whole). The cache of verified tokens may be shared by every
 * instance of a process.
 */
public class TokenVerifier implements JWTAuth {
  /** The JWS algorithms a trusted key may name (RFC 7518 §3, RFC 8037): never {@code none}, never HMAC. */
  public static final Set<String> ALGORITHMS = Set.of("RS256", "PS256", "ES256", "EdDSA");
  /** Longer tokens are refused before any parsing. Ours are well under 1 KiB. */
  public static final int MAX_TOKEN_CHARS = 8_192;
  private static final Base64.Decoder B64URL = Base64.getUrlDecoder();
  private static final JsonFactory STRICT_JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final Set<String> FORBIDDEN_HEADERS = Set.of("crit", "jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256");

  private final Vertx vertx;
  private final String issuer;
  private final String audience;
  private final int leewaySeconds;
  private final Clock clock;
  private final RevocationSet revoked;
  private final Supplier<Future<JsonObject>> keySource;
  private volatile long lastKeyRefresh;
  private final VerifiedTokens verified;
  private volatile KeyState state = KeyState.NONE;

  /** The trusted keys as one value, so a reader never sees kids of one set with the JWTAuth of another. */
  private record KeyState(JWTAuth auth, Set<String> kids, Set<String> algs) {
    static final KeyState NONE = new KeyState(null, Set.of(), Set.of());
  }

  /**
   * @param revoked   the revocation list checked on every request
   * @param keySource asked again (at most every {@value #KEY_REFRESH_MILLIS} ms) when a token names an
   *                  unknown kid, in case a rotation's announcement was missed; null to never ask
   * @param cacheSize how many verified tokens to remember (0: verify every signature)
   */
  public TokenVerifier(Vertx vertx, String issuer, String audience, int leewaySeconds, Clock clock,
                       RevocationSet revoked, Supplier<Future<JsonObject>> keySource, int cacheSize) {
    this(vertx, issuer, audience, leewaySeconds, clock, revoked, keySource, newCache(cacheSize, clock));
  }

  /**
   * Same, with a cache of verified tokens shared by every verifier of the process (see
   * {@link #newCache}), so a token verified on one event loop is a hit on all; null for none.
   */
  public TokenVerifier(Vertx vertx, String issuer, String audience, int leewaySeconds, Clock clock,
                       RevocationSet revoked, Supplier<Future<JsonObject>> keySource, VerifiedTokens verified) {
    this.vertx = vertx;
    this.issuer = issuer;
    this.audience = audience;
    this.leewaySeconds = leewaySeconds;
    this.clock = clock;
    this.revoked = revoked;
    this.keySource = keySource;
    this.verified = verified;
  }

  /** {@link VerifiedTokens#create}: a cache to share between verifiers, null when {@code size} is 0. */
  public static VerifiedTokens newCache(int size, Clock clock) {
    return VerifiedTokens.create(size, clock);
  }

  /** Minimum time between two key-set requests triggered by unknown kids. */
  public static final long KEY_REFRESH_MILLIS = 5_000;

  /**
   * Replaces the trusted keys with a JWKS ({@code {"keys":[…]}}). Keys that are not public
   * signature keys are ignored; with none left, every token is rejected.
   */
  public void update(JsonObject jwks) {
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(new JWTOptions()
        .setIssuer(issuer)
        .setAudience(List.of(audience))
        .setLeeway(leewaySeconds)
        // exp, iat and nbf are checked below against our Clock (the library reads the system clock)
        .setIgnoreExpiration(true));
    Set<String> newKids = new HashSet<>();
    Set<String> newAlgs = new HashSet<>();
    JsonArray keys = jwks == null ? null : jwks.getJsonArray("keys");
    if (keys != null) {
      for (Object o : keys) {
        if (o instanceof JsonObject jwk && usable(jwk)) {
          options.addJwk(jwk);
          newKids.add(jwk.getString("kid"));
          newAlgs.add(jwk.getString("alg"));
        }
      }
    }
    KeyState previous = state;
    state = newKids.isEmpty() ? KeyState.NONE
        : new KeyState(JWTAuth.create(vertx, options), Set.copyOf(newKids), Set.copyOf(newAlgs));
    if (verified != null && !newKids.containsAll(previous.kids())) {
      // a key left the set: tokens it signed must be verified (and rejected) again
      verified.invalidateAll();
    }
  }

  /** Whether at least one key is trusted. */
  public boolean ready() {
    return state.auth() != null;
  }

  private static boolean usable(JsonObject jwk) {
    String alg = jwk.getString("alg");
    return jwk.getString("kid") != null && !jwk.containsKey("d") && !"oct".equals(jwk.getString("kty"))
        && alg != null && ALGORITHMS.contains(alg)
        && (!jwk.containsKey("use") || "sig".equals(jwk.getString("use")));
  }

  @Override
  public Future<User> authenticate(Credentials credentials) {
    if (!(credentials instanceof TokenCredentials tc) || tc.getToken() == null) {
      return Future.failedFuture(new InvalidToken("no token"));
    }
    return authenticate(tc, true);
  }

  /** Verifies a bare token string: the claims, or a failed future with {@link InvalidToken}. */
  public Future<JsonObject> verify(String token) {
    return authenticate(new TokenCredentials(token)).map(TokenVerifier::claims);
  }

  private Future<User> authenticate(TokenCredentials tc, boolean mayRefreshKeys) {
    String token = tc.getToken();
    VerifiedTokens.Key key = verified == null ? null : VerifiedTokens.key(token);
    // fail closed: a verifier holding no key accepts nothing, not even what another one verified
    KeyState keys = state;
    JsonObject hit = key == null || keys.auth() == null ? null : verified.get(key);
    if (hit != null) {
      if (clock.millis() / 1000 - leewaySeconds < hit.getLong("exp") && !revoked.isRevoked(hit)) {
        return Future.succeededFuture(User.create(hit, new JsonObject().put("accessToken", hit)));
      }
      verified.invalidate(key);
    }
    JsonObject payload;
    try {
      payload = precheck(token, keys);
    } catch (UnknownKey e) {
      long now = System.currentTimeMillis();
      if (mayRefreshKeys && keySource != null && now - lastKeyRefresh >= KEY_REFRESH_MILLIS) {
        lastKeyRefresh = now;
        return keySource.get().compose(jwks -> {
          update(jwks);
          return authenticate(tc, false);
        }, err -> Future.failedFuture(e));
      }
      return Future.failedFuture(e);
    } catch (InvalidToken e) {
      return Future.failedFuture(e);
    }
    JWTAuth current = keys.auth();
    long exp = ((Number) payload.getValue("exp")).longValue();
    long iat = payload.getValue("iat") == null ? 0L : ((Number) payload.getValue("iat")).longValue();
    long nbf = payload.getValue("nbf") == null ? 0L : ((Number) payload.getValue("nbf")).longValue();
    return current.authenticate(tc).compose(user -> {
      long now = clock.millis() / 1000;
      if (now - leewaySeconds >= exp) {
        return Future.failedFuture(new InvalidToken("expired"));
      }
      if (nbf > now + leewaySeconds || iat > now + leewaySeconds) {
        return Future.failedFuture(new InvalidToken("not yet valid"));
      }
      JsonObject claims = claims(user);
      if (revoked.isRevoked(claims)) {
        return Future.failedFuture(new InvalidToken("revoked"));
      }
      if (verified != null) {
        verified.put(key, claims);
      }
      return Future.succeededFuture(user);
    });
  }

  /** Structural checks before any signature work; returns the (still untrusted) payload. */
  private static JsonObject precheck(String token, KeyState keys) {
    if (keys.auth() == null) {
      throw new UnknownKey("no trusted key");
    }
    if (token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
      throw new InvalidToken("bad length");
    }
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first <= 0 || second <= first + 1 || second == token.length() - 1 || token.indexOf('.', second + 1) >= 0) {
      throw new InvalidToken("not a three-part JWS");
    }
    JsonObject header = json(token.substring(0, first));
    JsonObject payload = json(token.substring(first + 1, second));
    Object kid = header.getValue("kid");
    if (!(kid instanceof String k) || k.length() > 64) {
      throw new InvalidToken("bad kid");
    }
    if (!keys.kids().contains(k)) {
      throw new UnknownKey("unknown kid");
    }
    Object alg = header.getValue("alg");
    if (!(alg instanceof String) || !keys.algs().contains(alg)) {
      throw new InvalidToken("algorithm not accepted");
    }
    Object typ = header.getValue("typ");
    if (!(typ instanceof String t) || !(t.equalsIgnoreCase("at+jwt") || t.equalsIgnoreCase("application/at+jwt"))) {
      throw new InvalidToken("not an access token");
    }
    for (String forbidden : FORBIDDEN_HEADERS) {
      if (header.containsKey(forbidden)) {
        throw new InvalidToken("header " + forbidden + " not accepted");
      }
    }
    if (!(payload.getValue("exp") instanceof Number)
        || !(payload.getValue("iss") instanceof String)
        || !(payload.getValue("sub") instanceof String)
        || !(payload.getValue("jti") instanceof String)
        || !isNumberOrAbsent(payload, "iat")
        || !isNumberOrAbsent(payload, "nbf")
        || !audienceShape(payload.getValue("aud"))
        || !(payload.getValue("roles") == null || payload.getValue("roles") instanceof JsonArray)
        || !(payload.getValue("cnf") == null || payload.getValue("cnf") instanceof JsonObject)) {
      throw new InvalidToken("claims of the wrong type");
    }
    return payload;
  }

  private static boolean isNumberOrAbsent(JsonObject o, String key) {
    Object v = o.getValue(key);
    return v == null || v instanceof Number;
  }

  private static boolean audienceShape(Object aud) {
    if (aud instanceof String) {
      return true;
    }
    if (aud instanceof JsonArray arr && !arr.isEmpty()) {
      return arr.stream().allMatch(a -> a instanceof String);
    }
    return false;
  }

  /**
   * A base64url segment of a compact JWS decoded as one JSON object, strictly (no duplicate member,
   * nothing after the object), as the verifier reads headers and payloads; the DPoP proof checker
   * reads proofs the same way. Throws on anything else.
   */
  public static JsonObject json(String segment) {
    try {
      byte[] bytes = B64URL.decode(segment);
      // A JSON object with a key twice is ambiguous (RFC 7515 §5.2 lets us reject it): parsers
      // disagree on which value wins, so an attacker could show one reader a different claim.
      try (JsonParser parser = STRICT_JSON.createParser(bytes)) {
        while (parser.nextToken() != null) {
          // walk the whole document: a duplicate key throws
        }
      }
      return new JsonObject(new String(bytes, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | DecodeException | ClassCastException | java.io.IOException e) {
      throw new InvalidToken("segment is not base64url JSON without duplicate keys");
    }
  }

  /** The verified claims of an authenticated user (the whole payload, {@code exp} and {@code iat} included). */
  public static JsonObject claims(User user) {
    JsonObject all = user.attributes().getJsonObject("accessToken");
    return all != null ? all : user.principal();
  }

  @Override
  public String generateToken(JsonObject claims, JWTOptions options) {
    throw new UnsupportedOperationException("verification only; tokens are signed by the auth server");
  }

  @Override
  public String generateToken(JsonObject claims) {
    throw new UnsupportedOperationException("verification only; tokens are signed by the auth server");
  }

  /** A rejected token. The reason is for logs and metrics, never for the client. */
  public static class InvalidToken extends RuntimeException {
    public InvalidToken(String reason) {
      super(reason, null, false, false);
    }
  }

  /** A token naming a key this verifier does not hold (or it holds none). */
  static class UnknownKey extends InvalidToken {
    UnknownKey(String reason) {
      super(reason);
    }
  }
}
