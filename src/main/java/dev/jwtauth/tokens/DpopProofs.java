package dev.jwtauth.tokens;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.jwtauth.keys.CryptoProvider;
import dev.jwtauth.keys.SigningAlgorithm;
import io.vertx.core.json.JsonObject;

import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks DPoP proofs (RFC 9449 §4.3) and computes JWK thumbprints (RFC 7638). One instance per
 * process ({@code ProcessServices}), shared by every event loop: it holds the replay cache of
 * {@code jti}s and the optional nonce source; each check makes its own {@link Signature}.
 *
 * <p>A proof is accepted when: it is the only {@code DPoP} header; a compact JWS whose header has
 * {@code typ: dpop+jwt}, {@code alg} one of {@link #ALGORITHMS} and a {@code jwk} holding a public
 * key only, of the type the alg needs (RSA of at least 2048 bits, P-256, Ed25519), with no
 * {@code crit}; the signature verifies with that key (through the process's {@link CryptoProvider});
 * {@code jti} is a string of at most {@value #MAX_JTI} characters not seen with that key within the
 * window; {@code htm} equals the request's method; {@code htu} equals one of the URLs the caller
 * accepts, both normalised (RFC 3986 §6.2.2–6.2.3: scheme and host lower case, default port dropped,
 * empty path "/", percent-encodings upper case and unreserved ones decoded, query and fragment
 * ignored); {@code iat} is no older than the window and no further ahead than the leeway;
 * {@code ath} is the access token's hash when one is presented; and, with nonces on, {@code nonce}
 * is a current one. Every failure names nothing of the proof to the client.
 */
public final class DpopProofs {
  /** The proof algorithms accepted, in the order advertised. */
  public static final List<String> ALGORITHMS = List.of("ES256", "EdDSA", "RS256", "PS256");
  /** The {@code algs} parameter of a {@code WWW-Authenticate: DPoP} challenge (RFC 9449 §7.1). */
  public static final String ALGS_PARAM = "algs=\"" + String.join(" ", ALGORITHMS) + "\"";
  /** The request header carrying a proof. */
  public static final String HEADER = "DPoP";
  /** The response header carrying a nonce. */
  public static final String NONCE_HEADER = "DPoP-Nonce";
  public static final String INVALID_PROOF = "invalid_dpop_proof";
  public static final String USE_NONCE = "use_dpop_nonce";
  static final int MAX_JTI = 256;
  static final int MAX_PROOF_CHARS = 8_192;
  private static final int MIN_RSA_BITS = 2_048;
  private static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k", "r", "t");
  private static final Pattern B64URL_CHARS = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Base64.Encoder B64URL_ENC = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64URL = Base64.getUrlDecoder();
  private static final byte[] ED25519_SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  private static final ECParameterSpec P256 = p256();

  private final Clock clock;
  private final long windowSeconds;
  private final long leewaySeconds;
  private final Cache<SeenProof, Boolean> seen;
  private final DpopNonces nonces;
  private final Cache<String, ProofKey> keys = Caffeine.newBuilder().executor(Runnable::run).maximumSize(10_000).build();

  /**
   * @param window how old a proof may be ({@code DPOP_PROOF_WINDOW}); also how long its jti is remembered
   * @param leeway how far in the future a proof's {@code iat} may be (clock skew)
   * @param nonces the nonce source when {@code DPOP_NONCE} is on, else null
   */
  public DpopProofs(Clock clock, Duration window, Duration leeway, DpopNonces nonces) {
    this.clock = clock;
    this.windowSeconds = window.toSeconds();
    this.leewaySeconds = leeway.toSeconds();
    this.nonces = nonces;
    // A jti must be remembered as long as its proof could still pass: iat up to leeway ahead, then window.
    // Bounded so a flood cannot take the heap; each entry needed a valid signature by the flooder.
    this.seen = Caffeine.newBuilder()
        .executor(Runnable::run)  // upkeep on the request's thread, not the common pool
        .expireAfterWrite(window.plus(leeway).plusSeconds(1))
        .maximumSize(1_000_000)
        .build();
  }

  /** Whether the server demands nonces ({@code DPOP_NONCE}). */
  public boolean noncesRequired() {
    return nonces != null;
  }

  /** A fresh nonce to send in {@value #NONCE_HEADER}, or null when nonces are off. */
  public String currentNonce() {
    return nonces == null ? null : nonces.current();
  }

  /**
   * Checks the proof of a request.
   *
   * @param headers     every value of the request's {@code DPoP} header (more than one is refused)
   * @param method      the request's method
   * @param urls        the URLs the proof's {@code htu} may name (this endpoint as the client may have addressed it)
   * @param accessToken the access token presented with the proof, or null (token endpoint)
   * @return the proof key's thumbprint, the {@code jkt}
   * @throws Rejected with {@value #INVALID_PROOF} or {@value #USE_NONCE}
   */
  public String verify(List<String> headers, String method, Collection<String> urls, String accessToken) {
    return use(check(headers, method, urls, accessToken, true));
  }

  /**
   * A proof that passed every check but the replay one: its key's thumbprint and what the replay
   * cache remembers of it once it is {@linkplain #record recorded}.
   */
  public record Checked(String jkt, SeenProof seen) {
  }

  /**
   * Checks a token request's proof as {@link #verify} does (a {@code jti} already recorded is
   * refused) without recording its {@code jti}: the token endpoints {@linkplain #record record} it
   * once they have issued, so that only a request with a valid credential (password, client secret,
   * live refresh token, code) leaves an entry in the replay cache. Nobody without one can fill it,
   * nor use up a client's proof.
   */
  public Checked check(List<String> headers, String method, Collection<String> urls) {
    Checked proof = check(headers, method, urls, null, true);
    if (seen.getIfPresent(proof.seen()) != null) {
      throw new Rejected(INVALID_PROOF, "jti replayed");
    }
    return proof;
  }

  /**
   * Records the {@code jti} of a checked proof whose request succeeded (RFC 9449 §11.1): the same
   * proof is refused from now on, within the window.
   */
  public void record(Checked proof) {
    seen.put(proof.seen(), Boolean.TRUE);
  }

  /** Records a checked proof's {@code jti}, or {@value #INVALID_PROOF} when it was already recorded; its thumbprint. */
  private String use(Checked proof) {
    if (seen.asMap().putIfAbsent(proof.seen(), Boolean.TRUE) != null) {
      throw new Rejected(INVALID_PROOF, "jti replayed");
    }
    return proof.jkt();
  }

  private Checked check(List<String> headers, String method, Collection<String> urls, String accessToken,
                        boolean withNonce) {
    if (headers.size() != 1) {
      throw new Rejected(INVALID_PROOF, headers.isEmpty() ? "no proof" : "several proofs");
    }
    String proof = headers.get(0).trim();
    if (proof.isEmpty() || proof.length() > MAX_PROOF_CHARS) {
      throw new Rejected(INVALID_PROOF, "bad length");
    }
    int first = proof.indexOf('.');
    int second = first < 0 ? -1 : proof.indexOf('.', first + 1);
    if (first <= 0 || second <= first + 1 || second == proof.length() - 1 || proof.indexOf('.', second + 1) >= 0) {
      throw new Rejected(INVALID_PROOF, "not a compact JWS");
    }
    // a client sends the same header (its key) with every proof: checked and decoded once
    String encodedHeader = proof.substring(0, first);
    ProofKey key = keys.getIfPresent(encodedHeader);
    if (key == null) {
      key = proofKey(json(encodedHeader));
      keys.put(encodedHeader, key);
    }
    JsonObject claims = json(proof.substring(first + 1, second));
    checkSignature(key.alg(), key.key(), proof.substring(0, second), proof.substring(second + 1));

    if (!(claims.getValue("jti") instanceof String jti) || jti.isEmpty() || jti.length() > MAX_JTI) {
      throw new Rejected(INVALID_PROOF, "bad jti");
    }
    if (!(claims.getValue("htm") instanceof String htm) || !htm.equals(method)) {
      throw new Rejected(INVALID_PROOF, "htm does not match");
    }
    String htu = claims.getValue("htu") instanceof String u ? normaliseUrl(u) : null;
    if (htu == null || urls.stream().map(DpopProofs::normaliseUrl).noneMatch(htu::equals)) {
      throw new Rejected(INVALID_PROOF, "htu does not match");
    }
    if (!(claims.getValue("iat") instanceof Number iatValue)) {
      throw new Rejected(INVALID_PROOF, "no iat");
    }
    long iat = iatValue.longValue();
    long now = clock.millis() / 1000;
    if (iat < now - windowSeconds) {
      throw new Rejected(INVALID_PROOF, "iat too old");
    }
    if (iat > now + leewaySeconds) {
      throw new Rejected(INVALID_PROOF, "iat in the future");
    }
    if (accessToken != null) {
      if (!(claims.getValue("ath") instanceof String ath)
          || !MessageDigest.isEqual(ath.getBytes(StandardCharsets.US_ASCII), ath(accessToken).getBytes(StandardCharsets.US_ASCII))) {
        throw new Rejected(INVALID_PROOF, "ath does not match the access token");
      }
    }
    if (withNonce && nonces != null && !(claims.getValue("nonce") instanceof String nonce && nonces.accepts(nonce))) {
      throw new Rejected(USE_NONCE, "nonce missing or stale", nonces.current());
    }
    // recorded by use(), last, so that a proof failing another check does not use up its jti
    return new Checked(key.jkt(), SeenProof.of(key.jkt(), jti));
  }

  /**
   * What the replay cache remembers of a proof: 128 bits of the SHA-256 of its key's thumbprint and
   * its {@code jti}, 32 bytes instead of a string of up to {@value #MAX_JTI} + 44 characters, so the
   * cache's bound (a million proofs) fits in a small heap. Two different proofs share a value with a
   * probability of about 2^-128 per pair (a false "replayed", never a replay let through).
   */
  public record SeenProof(long high, long low) {
    static SeenProof of(String jkt, String jti) {
      byte[] digest = Digests.sha256(jkt + " " + jti);
      java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(digest);
      return new SeenProof(bytes.getLong(), bytes.getLong());
    }
  }

  /** The checked header of a proof: its algorithm, the public key of its jwk and that key's thumbprint. */
  private record ProofKey(SigningAlgorithm alg, PublicKey key, String jkt) {
  }

  private static ProofKey proofKey(JsonObject header) {
    if (!(header.getValue("typ") instanceof String typ) || !typ.equalsIgnoreCase("dpop+jwt")) {
      throw new Rejected(INVALID_PROOF, "typ is not dpop+jwt");
    }
    if (!(header.getValue("alg") instanceof String alg) || !ALGORITHMS.contains(alg)) {
      throw new Rejected(INVALID_PROOF, "algorithm not accepted");
    }
    if (header.containsKey("crit")) {
      throw new Rejected(INVALID_PROOF, "crit not understood");
    }
    if (!(header.getValue("jwk") instanceof JsonObject jwk)) {
      throw new Rejected(INVALID_PROOF, "no jwk");
    }
    SigningAlgorithm algorithm = SigningAlgorithm.parse(alg);
    return new ProofKey(algorithm, publicKey(jwk, algorithm), thumbprint(jwk));
  }

  /**
   * The sender constraint of an access token at a resource (RFC 9449 §7): a token bound to a key
   * ({@code cnf.jkt}) needs a valid proof by that key; an unbound token may come with a proof,
   * which must then be valid too.
   *
   * @param claims      the verified claims of the token
   * @param proofs      the request's {@code DPoP} header values (empty: none)
   * @param method      the request's method
   * @param urls        the URLs the proof's {@code htu} may name
   * @param accessToken the token
   * @return the proof's jkt, or null when there was no proof (and the token is unbound)
   * @throws Rejected {@code invalid_token} when a bound token has no proof or one by another key,
   *                  else as {@link #verify}
   */
  public String checkBinding(JsonObject claims, List<String> proofs, String method, Collection<String> urls,
                             String accessToken) {
    return checkBinding(claims, proofs, method, urls, accessToken, true);
  }

  /**
   * Same, without demanding a server nonce even when nonces are on: for the event-bus verify API,
   * whose callers' clients never received one of ours.
   */
  public String checkBindingWithoutNonce(JsonObject claims, List<String> proofs, String method, Collection<String> urls,
                                         String accessToken) {
    return checkBinding(claims, proofs, method, urls, accessToken, false);
  }

  private String checkBinding(JsonObject claims, List<String> proofs, String method, Collection<String> urls,
                              String accessToken, boolean withNonce) {
    String bound = boundKey(claims);
    if (proofs.isEmpty()) {
      if (bound != null) {
        throw new Rejected("invalid_token", "bound token without a proof");
      }
      return null;
    }
    Checked proof = check(proofs, method, urls, accessToken, withNonce);
    if (bound != null && !bound.equals(proof.jkt())) {
      throw new Rejected("invalid_token", "proof key is not the token's");
    }
    return use(proof);
  }

  /** The {@code cnf.jkt} of verified claims, or null for a bearer token. */
  public static String boundKey(JsonObject claims) {
    return claims.getValue("cnf") instanceof JsonObject cnf && cnf.getValue("jkt") instanceof String jkt ? jkt : null;
  }

  /** {@code ath}: base64url of the SHA-256 of the access token's ASCII (RFC 9449 §4.2). */
  public static String ath(String accessToken) {
    return B64URL_ENC.encodeToString(Digests.sha256(accessToken.getBytes(StandardCharsets.US_ASCII)));
  }

  /**
   * The RFC 7638 thumbprint of a public JWK: base64url of the SHA-256 of its required members, in
   * lexicographic order, as JSON without white space.
   */
  public static String thumbprint(JsonObject jwk) {
    String kty = jwk.getString("kty");
    String canonical = switch (kty) {
      case "EC" -> "{\"crv\":\"" + member(jwk, "crv") + "\",\"kty\":\"EC\",\"x\":\"" + member(jwk, "x")
          + "\",\"y\":\"" + member(jwk, "y") + "\"}";
      case "RSA" -> "{\"e\":\"" + member(jwk, "e") + "\",\"kty\":\"RSA\",\"n\":\"" + member(jwk, "n") + "\"}";
      case "OKP" -> "{\"crv\":\"" + member(jwk, "crv") + "\",\"kty\":\"OKP\",\"x\":\"" + member(jwk, "x") + "\"}";
      default -> throw new Rejected(INVALID_PROOF, "unsupported kty");
    };
    return B64URL_ENC.encodeToString(Digests.sha256(canonical.getBytes(StandardCharsets.UTF_8)));
  }

  /** A required member: a base64url or name string, so it needs no JSON escaping. */
  private static String member(JsonObject jwk, String name) {
    if (!(jwk.getValue(name) instanceof String s) || !B64URL_CHARS.matcher(s).matches()) {
      throw new Rejected(INVALID_PROOF, "jwk member " + name + " missing or malformed");
    }
    return s;
  }

  private static PublicKey publicKey(JsonObject jwk, SigningAlgorithm alg) {
    for (String m : PRIVATE_MEMBERS) {
      if (jwk.containsKey(m)) {
        throw new Rejected(INVALID_PROOF, "jwk holds private or symmetric key material");
      }
    }
    if (!(jwk.getValue("kty") instanceof String kty) || !kty.equals(alg.kty())) {
      throw new Rejected(INVALID_PROOF, "jwk type does not fit the algorithm");
    }
    try {
      CryptoProvider crypto = CryptoProvider.current();
      return switch (alg) {
        case RS256, PS256 -> {
          BigInteger n = unsigned(member(jwk, "n"));
          BigInteger e = unsigned(member(jwk, "e"));
          if (n.bitLength() < MIN_RSA_BITS || e.signum() <= 0 || !e.testBit(0)) {
            throw new Rejected(INVALID_PROOF, "RSA key too small or malformed");
          }
          yield crypto.keyFactory("RSA").generatePublic(new RSAPublicKeySpec(n, e));
        }
        case ES256 -> {
          if (!"P-256".equals(jwk.getValue("crv"))) {
            throw new Rejected(INVALID_PROOF, "EC curve is not P-256");
          }
          byte[] x = B64URL.decode(member(jwk, "x"));
          byte[] y = B64URL.decode(member(jwk, "y"));
          if (x.length != 32 || y.length != 32) {
            throw new Rejected(INVALID_PROOF, "EC coordinates of the wrong length");
          }
          ECPoint w = new ECPoint(new BigInteger(1, x), new BigInteger(1, y));
          if (!onCurve(w)) {
            throw new Rejected(INVALID_PROOF, "EC point not on P-256");
          }
          yield crypto.keyFactory("EC").generatePublic(new ECPublicKeySpec(w, P256));
        }
        case EdDSA -> {
          if (!"Ed25519".equals(jwk.getValue("crv"))) {
            throw new Rejected(INVALID_PROOF, "OKP curve is not Ed25519");
          }
          byte[] x = B64URL.decode(member(jwk, "x"));
          if (x.length != 32) {
            throw new Rejected(INVALID_PROOF, "Ed25519 key of the wrong length");
          }
          byte[] spki = new byte[ED25519_SPKI_PREFIX.length + 32];
          System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
          System.arraycopy(x, 0, spki, ED25519_SPKI_PREFIX.length, 32);
          yield crypto.keyFactory("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        }
      };
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new Rejected(INVALID_PROOF, "jwk is not a usable public key");
    }
  }

  private static void checkSignature(SigningAlgorithm alg, PublicKey key, String signingInput, String signature) {
    boolean ok;
    try {
      byte[] sig = B64URL.decode(signature);
      Signature verifier = alg.newSignature();
      verifier.initVerify(key);
      verifier.update(signingInput.getBytes(StandardCharsets.US_ASCII));
      ok = verifier.verify(sig);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      ok = false;
    }
    if (!ok) {
      throw new Rejected(INVALID_PROOF, "signature does not verify");
    }
  }

  private static boolean onCurve(ECPoint w) {
    BigInteger p = ((java.security.spec.ECFieldFp) P256.getCurve().getField()).getP();
    BigInteger x = w.getAffineX();
    BigInteger y = w.getAffineY();
    if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
      return false;
    }
    BigInteger rhs = x.pow(3).add(P256.getCurve().getA().multiply(x)).add(P256.getCurve().getB()).mod(p);
    return y.modPow(BigInteger.TWO, p).equals(rhs);
  }

  private static BigInteger unsigned(String b64) {
    return new BigInteger(1, B64URL.decode(b64));
  }

  private static ECParameterSpec p256() {
    try {
      AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
      params.init(new ECGenParameterSpec("secp256r1"));
      return params.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java platform has P-256", e);
    }
  }

  private static JsonObject json(String segment) {
    try {
      return TokenVerifier.json(segment);
    } catch (TokenVerifier.InvalidToken e) {
      throw new Rejected(INVALID_PROOF, "segment is not base64url JSON");
    }
  }

  /**
   * An http(s) URL normalised for comparison (RFC 3986 §6.2.2 and §6.2.3) without its query and
   * fragment, or null when it is not an absolute http(s) URL.
   */
  public static String normaliseUrl(String url) {
    if (url == null || url.length() > 4_096) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return null;
    }
    String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost();
    if (!("http".equals(scheme) || "https".equals(scheme)) || host == null || uri.getRawUserInfo() != null) {
      return null;
    }
    int port = uri.getPort();
    boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : normalisePercent(uri.getRawPath());
    return scheme + "://" + host.toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port) + path;
  }

  /** Percent-encodings in upper case, and those of unreserved characters decoded (RFC 3986 §6.2.2.1–2). */
  private static String normalisePercent(String path) {
    if (path.indexOf('%') < 0) {
      return path;
    }
    StringBuilder out = new StringBuilder(path.length());
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '%' && i + 2 < path.length()) {
        int v = Integer.parseInt(path.substring(i + 1, i + 3), 16);
        char d = (char) v;
        if ((d >= 'A' && d <= 'Z') || (d >= 'a' && d <= 'z') || (d >= '0' && d <= '9') || d == '-' || d == '.' || d == '_' || d == '~') {
          out.append(d);
        } else {
          out.append('%').append(path.substring(i + 1, i + 3).toUpperCase(Locale.ROOT));
        }
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * A refused proof (or a bound token without its proof). {@link #code()} is the OAuth error code
   * for the client; the message is for logs only.
   */
  public static final class Rejected extends RuntimeException {
    private final String code;
    private final String nonce;

    public Rejected(String code, String reason) {
      this(code, reason, null);
    }

    /** With the nonce the client must use ({@value #USE_NONCE}). */
    public Rejected(String code, String reason, String nonce) {
      super(reason, null, false, false);
      this.code = code;
      this.nonce = nonce;
    }

    /** The nonce to send in {@value #NONCE_HEADER}, or null. */
    public String nonce() {
      return nonce;
    }

    /** A sentence for the client's {@code error_description}: what kind of failure, not which check. */
    public String description() {
      return switch (code) {
        case USE_NONCE -> "A DPoP proof with the server's nonce (DPoP-Nonce header) is required.";
        case INVALID_PROOF -> "The DPoP proof is invalid.";
        default -> "The access token is invalid, expired, or not presented with a DPoP proof by its key.";
      };
    }

    /** {@value #INVALID_PROOF}, {@value #USE_NONCE} or {@code invalid_token}. */
    public String code() {
      return code;
    }
  }
}
