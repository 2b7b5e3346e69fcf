package dev.jwtauth.keys;

import com.nimbusds.jose.jwk.JWK;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.math.ec.ECPoint;
import org.junit.jupiter.api.BeforeAll;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("SigningAlgorithm: exactly RS256, PS256, ES256 and EdDSA, with JWS signatures and standard public JWKs")
class SigningAlgorithmTest {
  static final byte[] INPUT = "header.payload".getBytes(StandardCharsets.US_ASCII);
  /** Two key pairs per algorithm, made once (RSA key generation is slow); RS256 and PS256 share theirs. */
  static final Map<SigningAlgorithm, KeyPair> PAIRS = new EnumMap<>(SigningAlgorithm.class);
  static final Map<SigningAlgorithm, KeyPair> OTHERS = new EnumMap<>(SigningAlgorithm.class);

  @BeforeAll
  static void keyPairs() throws Exception {
    for (SigningAlgorithm alg : SigningAlgorithm.values()) {
      boolean sharedRsa = alg == SigningAlgorithm.PS256;
      PAIRS.put(alg, sharedRsa ? PAIRS.get(SigningAlgorithm.RS256) : alg.generate());
      OTHERS.put(alg, sharedRsa ? OTHERS.get(SigningAlgorithm.RS256) : alg.generate());
    }
  }

  static byte[] sign(SigningAlgorithm alg, KeyPair pair) throws Exception {
    Signature s = alg.newSignature();
    s.initSign(pair.getPrivate());
    s.update(INPUT);
    return s.sign();
  }

  static boolean verify(SigningAlgorithm alg, KeyPair pair, byte[] signature) throws Exception {
    Signature s = alg.newSignature();
    s.initVerify(pair.getPublic());
    s.update(INPUT);
    return s.verify(signature);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SigningAlgorithm.class)
  @DisplayName("parse accepts each algorithm's exact JWS name")
  void parsesOwnNames(SigningAlgorithm alg) {
    assertThat(SigningAlgorithm.parse(alg.name())).isEqualTo(alg);
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(strings = {"none", "HS256", "RS512", "rs256", "Ed25519", "ES256 ", ""})
  @DisplayName("parse refuses anything else, naming it: no alg none, no HMAC, no case folding")
  void refusesOthers(String name) {
    assertThatThrownBy(() -> SigningAlgorithm.parse(name)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + name + "'");
    assertThatThrownBy(() -> SigningAlgorithm.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SigningAlgorithm.class)
  @DisplayName("a signature verifies under its own public key, and not under another key or over other input")
  void signsAndVerifies(SigningAlgorithm alg) throws Exception {
    KeyPair pair = PAIRS.get(alg);
    KeyPair other = OTHERS.get(alg);
    byte[] sig = sign(alg, pair);

    assertThat(verify(alg, pair, sig)).isTrue();
    assertThat(verify(alg, other, sig)).isFalse();
    byte[] flipped = sig.clone();
    flipped[flipped.length / 2] ^= 1;
    assertThat(verify(alg, pair, flipped)).isFalse();
    assertThat(alg.accepts(pair.getPrivate())).isTrue();
    assertThat(alg.accepts(pair.getPublic())).isTrue();
  }

  @Test
  @DisplayName("ES256 and EdDSA signatures are the 64 raw bytes JWS requires (RFC 7518 §3.4, RFC 8037), not DER")
  void rawSignatureLengths() throws Exception {
    assertThat(sign(SigningAlgorithm.ES256, PAIRS.get(SigningAlgorithm.ES256))).hasSize(64);
    assertThat(sign(SigningAlgorithm.EdDSA, PAIRS.get(SigningAlgorithm.EdDSA))).hasSize(64);
    assertThat(sign(SigningAlgorithm.RS256, PAIRS.get(SigningAlgorithm.RS256))).hasSize(256);
  }

  @Test
  @DisplayName("PS256 is not RS256: a PS256 signature does not verify as RS256 with the same key")
  void pssIsNotPkcs1() throws Exception {
    KeyPair pair = PAIRS.get(SigningAlgorithm.RS256);
    byte[] pss = sign(SigningAlgorithm.PS256, pair);

    assertThat(verify(SigningAlgorithm.PS256, pair, pss)).isTrue();
    assertThat(verify(SigningAlgorithm.RS256, pair, pss)).isFalse();
    assertThat(sign(SigningAlgorithm.PS256, pair)).as("PSS is salted").isNotEqualTo(pss);
  }

  @Test
  @DisplayName("a key of another family is not accepted: RSA only for RS256/PS256, EC for ES256, Ed25519 for EdDSA")
  void acceptsOnlyItsKeyFamily() throws Exception {
    KeyPair rsa = PAIRS.get(SigningAlgorithm.RS256);
    KeyPair ec = PAIRS.get(SigningAlgorithm.ES256);
    KeyPair ed = PAIRS.get(SigningAlgorithm.EdDSA);

    assertThat(SigningAlgorithm.PS256.accepts(rsa.getPrivate())).isTrue();
    assertThat(SigningAlgorithm.ES256.accepts(rsa.getPrivate())).isFalse();
    assertThat(SigningAlgorithm.EdDSA.accepts(ec.getPrivate())).isFalse();
    assertThat(SigningAlgorithm.RS256.accepts(ed.getPrivate())).isFalse();
    assertThat(SigningAlgorithm.ES256.accepts(ed.getPrivate())).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(SigningAlgorithm.class)
  @DisplayName("the public JWK names kty, kid, use sig and alg, has no private part, and Nimbus reads back the same public key")
  void publicJwkIsStandard(SigningAlgorithm alg) throws Exception {
    KeyPair pair = PAIRS.get(alg);

    JsonObject jwk = alg.publicJwk("kid-1", pair.getPublic());

    assertThat(jwk.getString("kty")).isEqualTo(alg.kty());
    assertThat(jwk.getString("kid")).isEqualTo("kid-1");
    assertThat(jwk.getString("use")).isEqualTo("sig");
    assertThat(jwk.getString("alg")).isEqualTo(alg.name());
    assertThat(jwk.fieldNames()).doesNotContain("d", "p", "q", "dp", "dq", "qi");
    JWK parsed = JWK.parse(jwk.encode());
    switch (alg) {
      case RS256, PS256 -> {
        assertThat(parsed.toRSAKey().toPublicKey()).isEqualTo(pair.getPublic());
        assertThat(jwk.getString("e")).isEqualTo("AQAB");
        byte[] n = Base64.getUrlDecoder().decode(jwk.getString("n"));
        assertThat(n).as("n without the sign byte BigInteger adds").hasSize(256);
        assertThat(n[0]).isNotZero();
      }
      case ES256 -> {
        assertThat(parsed.toECKey().toPublicKey()).isEqualTo(pair.getPublic());
        assertThat(jwk.getString("crv")).isEqualTo("P-256");
      }
      case EdDSA -> {
        byte[] spki = pair.getPublic().getEncoded();
        assertThat(parsed.toOctetKeyPair().getDecodedX()).isEqualTo(Arrays.copyOfRange(spki, spki.length - 32, spki.length));
        assertThat(jwk.getString("crv")).isEqualTo("Ed25519");
      }
    }
  }

  @Test
  @DisplayName("EC coordinates are always 32 bytes, padded with leading zeros (RFC 7518 §6.2.1.2)")
  void ecCoordinatesArePadded() throws Exception {
    ECPublicKey shortX = publicKeyWithShortX();

    JsonObject jwk = SigningAlgorithm.ES256.publicJwk("k", shortX);

    byte[] x = Base64.getUrlDecoder().decode(jwk.getString("x"));
    assertThat(x).hasSize(32);
    assertThat(x[0]).isZero();
    assertThat(Base64.getUrlDecoder().decode(jwk.getString("y"))).hasSize(32);
    assertThat(JWK.parse(jwk.encode()).toECKey().toPublicKey()).isEqualTo(shortX);
  }

  /** k·G on P-256 for the first k whose x fits in 31 bytes (about 1 in 256): a public key, no private key needed. */
  static ECPublicKey publicKeyWithShortX() throws Exception {
    ECNamedCurveParameterSpec curve = ECNamedCurveTable.getParameterSpec("secp256r1");
    ECParameterSpec jdkParams = ((ECPublicKey) PAIRS.get(SigningAlgorithm.ES256).getPublic()).getParams();
    for (long k = 1; k < 100_000; k++) {
      ECPoint p = curve.getG().multiply(BigInteger.valueOf(k)).normalize();
      BigInteger x = p.getAffineXCoord().toBigInteger();
      if (x.bitLength() <= 248) {
        java.security.spec.ECPoint w = new java.security.spec.ECPoint(x, p.getAffineYCoord().toBigInteger());
        return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, jdkParams));
      }
    }
    throw new AssertionError("no P-256 point with a short x among the first 100,000 multiples of G");
  }
}
