package dev.jwtauth.bench;

import dev.jwtauth.keys.CryptoProvider;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.tokens.AccessTokens;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * The project's sign path, {@link AccessTokens#issue}: claims, JSON, base64url and the signature,
 * one thread (one issuer verticle instance). Compare with {@link JcaBench#sign} for the overhead.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class IssueBench {
  @Param({"RS256", "PS256", "ES256", "EdDSA"})
  public String alg;
  /** CRYPTO_PROVIDER: the JDK's providers or AWS-LC (ACCP); each JMH fork selects once, as the server does. */
  @Param({"jca", "native"})
  public String provider;

  private AccessTokens signer;

  @Setup
  public void setup() throws Exception {
    CryptoProvider.select(provider);
    SigningAlgorithm a = SigningAlgorithm.parse(alg);
    signer = Fixtures.signer(a, a.generate(), "bench");
  }

  @Benchmark
  public String issue() {
    return Fixtures.loginToken(signer);
  }
}
