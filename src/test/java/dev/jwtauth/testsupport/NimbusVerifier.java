package dev.jwtauth.testsupport;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import java.util.Set;

/**
 * An independent JOSE library (Nimbus) verifying our tokens as a third-party resource server
 * would: signature by the JWKS, {@code typ at+jwt}, audience {@code api}, the issuer and the
 * claims DESIGN.md requires.
 */
public final class NimbusVerifier {
  private NimbusVerifier() {
  }

  /** A Nimbus processor that trusts {@code jwksJson} and expects {@code issuer}. */
  public static DefaultJWTProcessor<SecurityContext> processorFor(String jwksJson, String issuer) throws Exception {
    JWKSet set = JWKSet.parse(jwksJson);
    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt")));
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(
        Set.of(JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.EdDSA), new ImmutableJWKSet<>(set)));
    processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>("api",
        new JWTClaimsSet.Builder().issuer(issuer).build(),
        Set.of("sub", "exp", "iat", "jti", "sid", "roles", "username")));
    return processor;
  }

  /**
   * Verifies a token of any of our algorithms with {@link #processorFor}'s rules. Nimbus's key
   * selector cannot hand an OKP key to a verifier ({@code OctetKeyPair.toPublicKey} is
   * unsupported), so an EdDSA signature is checked with {@link Ed25519Verifier} (Tink) and the same
   * type and claims verifiers are applied.
   */
  public static JWTClaimsSet verify(String jwks, String issuer, String token) throws Exception {
    DefaultJWTProcessor<SecurityContext> processor = processorFor(jwks, issuer);
    SignedJWT jwt = SignedJWT.parse(token);
    if (!JWSAlgorithm.EdDSA.equals(jwt.getHeader().getAlgorithm())) {
      return processor.process(jwt, null);
    }
    if (!(JWKSet.parse(jwks).getKeyByKeyId(jwt.getHeader().getKeyID()) instanceof OctetKeyPair key)
        || !jwt.verify(new Ed25519Verifier(key))) {
      throw new BadJWSException("EdDSA signature not valid for the published key");
    }
    processor.getJWSTypeVerifier().verify(jwt.getHeader().getType(), null);
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    processor.getJWTClaimsSetVerifier().verify(claims, null);
    return claims;
  }
}
