package dev.jwtauth.bench;

import dev.jwtauth.keys.CryptoProvider;
import dev.jwtauth.keys.SigningAlgorithm;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.security.SignatureException;
import java.util.concurrent.TimeUnit;

/**
 * Raw JCA signing and verification, one thread, with the provider the server uses
 * ({@link SigningAlgorithm#newSignature} under {@code provider}): the ceilings that issuance and cold verification are
 * measured against. The input is a default access token's signing input.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class JcaBench {
  @Param({"RS256", "PS256", "ES256", "EdDSA"})
  public String alg;
  /** CRYPTO_PROVIDER: the JDK's providers or AWS-LC (ACCP); each JMH fork selects once, as the server does. */
  @Param({"jca", "native"})
  public String provider;

  private Signature signer;
  private Signature verifier;
  private byte[] input;
  private byte[] signature;

  @Setup
  public void setup() throws Exception {
    CryptoProvider.select(provider);
    SigningAlgorithm a = SigningAlgorithm.parse(alg);
    KeyPair pair = a.generate();
    String token = Fixtures.loginToken(Fixtures.signer(a, pair, "bench"));
    input = token.substring(0, token.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII);
    signer = a.newSignature();
    signer.initSign(pair.getPrivate());
    verifier = a.newSignature();
    verifier.initVerify(pair.getPublic());
    signature = sign();
    if (!verify()) {
      throw new IllegalStateException("own signature does not verify");
    }
  }

  @Benchmark
  public byte[] sign() throws SignatureException {
    signer.update(input);
    return signer.sign();
  }

  @Benchmark
  public boolean verify() throws SignatureException {
    verifier.update(input);
    return verifier.verify(signature);
  }
}
