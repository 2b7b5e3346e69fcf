package dev.jwtauth.keys;

import io.vertx.core.json.JsonObject;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/** The JWS algorithms a key can sign with (RFC 7518 §3, RFC 8037 for EdDSA), mapped to the JDK's. */
public enum SigningAlgorithm {
  RS256("RSA"),
  PS256("RSA"),
  ES256("EC"),
  EdDSA("OKP");

  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
  /** The names of every algorithm, the one list (settings, verifiers and discovery read it). */
  public static final java.util.Set<String> NAMES =
      java.util.Arrays.stream(values()).map(Enum::name).collect(java.util.stream.Collectors.toUnmodifiableSet());

  private final String kty;

  SigningAlgorithm(String kty) {
    this.kty = kty;
  }

  /** The JWK key type (RFC 7517 §4.1). */
  public String kty() {
    return kty;
  }

  /** The JDK key algorithm name ("RSA", "EC", "Ed25519"). */
  public String jcaKeyAlgorithm() {
    return switch (this) {
      case RS256, PS256 -> "RSA";
      case ES256 -> "EC";
      case EdDSA -> "Ed25519";
    };
  }

  /** Whether a key of this JDK algorithm ("RSA", "EC", "EdDSA"/"Ed25519") can serve this JWS algorithm. */
  public boolean accepts(java.security.Key key) {
    String a = key.getAlgorithm();
    return switch (this) {
      case RS256, PS256 -> a.equals("RSA");
      case ES256 -> a.equals("EC");
      case EdDSA -> a.equals("EdDSA") || a.equals("Ed25519");
    };
  }

  /** Generates a fresh key pair: RSA 2048, P-256 or Ed25519. */
  public KeyPair generate() throws GeneralSecurityException {
    KeyPairGenerator gen = CryptoProvider.current().keyPairGenerator(jcaKeyAlgorithm());
    switch (this) {
      case RS256, PS256 -> gen.initialize(2048);
      case ES256 -> gen.initialize(new ECGenParameterSpec("secp256r1"));
      case EdDSA -> { }
    }
    return gen.generateKeyPair();
  }

  /**
   * A new, unshared {@link Signature} for this algorithm. ES256 uses the IEEE P1363 (r||s) encoding
   * that JWS requires (RFC 7518 §3.4), not DER. From the process's {@link CryptoProvider}.
   */
  public Signature newSignature() throws GeneralSecurityException {
    CryptoProvider crypto = CryptoProvider.current();
    return switch (this) {
      case RS256 -> crypto.signature("SHA256withRSA");
      case PS256 -> {
        Signature s = crypto.signature("RSASSA-PSS");
        s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        yield s;
      }
      case ES256 -> crypto.signature("SHA256withECDSAinP1363Format");
      case EdDSA -> crypto.signature("Ed25519");
    };
  }

  /** The public JWK (RFC 7517) of {@code key}, with {@code kid}, {@code use: sig} and {@code alg}. */
  public JsonObject publicJwk(String kid, PublicKey key) {
    JsonObject jwk = new JsonObject().put("kty", kty).put("kid", kid).put("use", "sig").put("alg", name());
    switch (this) {
      case RS256, PS256 -> {
        RSAPublicKey rsa = (RSAPublicKey) key;
        jwk.put("n", unsigned(rsa.getModulus(), 0)).put("e", unsigned(rsa.getPublicExponent(), 0));
      }
      case ES256 -> {
        ECPublicKey ec = (ECPublicKey) key;
        jwk.put("crv", "P-256")
            .put("x", unsigned(ec.getW().getAffineX(), 32))
            .put("y", unsigned(ec.getW().getAffineY(), 32));
      }
      case EdDSA -> {
        byte[] spki = key.getEncoded();
        // An Ed25519 SubjectPublicKeyInfo is a fixed 12-byte prefix followed by the 32-byte key.
        jwk.put("crv", "Ed25519").put("x", B64URL.encodeToString(Arrays.copyOfRange(spki, spki.length - 32, spki.length)));
      }
    }
    return jwk;
  }

  /** Parses a configured or recorded algorithm name, or fails with a clear message. */
  public static SigningAlgorithm parse(String name) {
    for (SigningAlgorithm a : values()) {
      if (a.name().equals(name)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown signing algorithm '" + name + "'");
  }

  private static String unsigned(BigInteger value, int length) {
    byte[] bytes = value.toByteArray();
    if (bytes.length > 1 && bytes[0] == 0) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    if (length > bytes.length) {
      byte[] padded = new byte[length];
      System.arraycopy(bytes, 0, padded, length - bytes.length, bytes.length);
      bytes = padded;
    }
    return B64URL.encodeToString(bytes);
  }
}
