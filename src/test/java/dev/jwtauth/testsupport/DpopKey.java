package dev.jwtauth.testsupport;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.oauth2.sdk.dpop.DefaultDPoPProofFactory;
import com.nimbusds.oauth2.sdk.id.JWTID;
import com.nimbusds.oauth2.sdk.token.DPoPAccessToken;
import com.nimbusds.openid.connect.sdk.Nonce;

import java.net.URI;
import java.util.Date;

/**
 * A client's DPoP key and its proofs, made by Nimbus's {@link DefaultDPoPProofFactory} (the
 * oauth2-oidc-sdk library), not by the server's code: what a real client library sends.
 */
public final class DpopKey {
  private final JWK key;
  private final JWSAlgorithm alg;
  private final DefaultDPoPProofFactory factory;

  private DpopKey(JWK key, JWSAlgorithm alg) {
    try {
      this.key = key;
      this.alg = alg;
      this.factory = new DefaultDPoPProofFactory(key, alg);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A fresh key for a JWS algorithm: ES256 (P-256), EdDSA (Ed25519), RS256 or PS256 (RSA 2048). */
  public static DpopKey generate(String algorithm) {
    try {
      JWSAlgorithm alg = JWSAlgorithm.parse(algorithm);
      JWK key = switch (algorithm) {
        case "ES256" -> new ECKeyGenerator(Curve.P_256).generate();
        case "EdDSA" -> new OctetKeyPairGenerator(Curve.Ed25519).generate();
        case "RS256", "PS256" -> new RSAKeyGenerator(2048).generate();
        default -> throw new IllegalArgumentException(algorithm);
      };
      return new DpopKey(key, alg);
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static DpopKey es256() {
    return generate("ES256");
  }

  /** The whole key, private part included (for attacks that put it in a header). */
  public JWK jwk() {
    return key;
  }

  public JWSAlgorithm alg() {
    return alg;
  }

  /** RFC 7638 thumbprint (SHA-256, base64url) as Nimbus computes it: what {@code cnf.jkt} must be. */
  public String thumbprint() {
    try {
      return key.computeThumbprint().toString();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A proof for a token request (no access token). */
  public String proof(String method, String url) {
    return proof(method, url, null, null);
  }

  /** A proof for a request carrying {@code accessToken} (its {@code ath}), with a server nonce when not null. */
  public String proof(String method, String url, String accessToken, String nonce) {
    try {
      return factory.createDPoPJWT(method, URI.create(url), accessToken == null ? null : new DPoPAccessToken(accessToken),
          nonce == null ? null : new Nonce(nonce)).serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A proof with a chosen {@code jti} and {@code iat}. */
  public String proofAt(String method, String url, String accessToken, String jti, Date iat) {
    try {
      return factory.createDPoPJWT(new JWTID(jti), method, URI.create(url), iat,
          accessToken == null ? null : new DPoPAccessToken(accessToken)).serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
