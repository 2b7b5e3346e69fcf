package dev.jwtauth.bench;

import dev.jwtauth.keys.CryptoProvider;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.tokens.RevocationSet;
import dev.jwtauth.tokens.TokenVerifier;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.security.KeyPair;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The project's verify path, {@link TokenVerifier#verify}, one thread: with {@code cacheSize} 0
 * every call checks structure, signature and claims (vertx-auth-jwt underneath); with a cache the
 * same token is presented again and again, so every call after the first is a hit (expiry and
 * revocation are still checked). Each call presents a fresh copy of the token string, as each
 * request's header does: a string that already knows its hash would hide what a lookup costs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class VerifyBench {
  @Param({"RS256", "PS256", "ES256", "EdDSA"})
  public String alg;
  /** CRYPTO_PROVIDER: the JDK's providers or AWS-LC (ACCP); each JMH fork selects once, as the server does. */
  @Param({"jca", "native"})
  public String provider;
  @Param({"0", "20000"})
  public int cacheSize;

  private Vertx vertx;
  private TokenVerifier verifier;
  private char[] token;

  @Setup
  public void setup() throws Exception {
    CryptoProvider.select(provider);
    SigningAlgorithm a = SigningAlgorithm.parse(alg);
    KeyPair pair = a.generate();
    String kid = a.name() + "-bench";
    token = Fixtures.loginToken(Fixtures.signer(a, pair, kid)).toCharArray();
    vertx = Vertx.vertx();
    Clock clock = Clock.systemUTC();
    verifier = new TokenVerifier(vertx, Fixtures.ISSUER, Fixtures.AUDIENCE, 30, clock, new RevocationSet(clock),
        null, cacheSize);
    verifier.update(new JsonObject().put("keys", new JsonArray().add(a.publicJwk(kid, pair.getPublic()))));
    verify(); // fails the setup if the token is rejected
  }

  @Benchmark
  public JsonObject verify() throws java.util.concurrent.TimeoutException {
    Future<JsonObject> claims = verifier.verify(new String(token));
    if (!claims.isComplete()) {
      claims.await(5, TimeUnit.SECONDS);
    }
    if (claims.failed()) {
      throw new IllegalStateException("token rejected: " + claims.cause().getMessage());
    }
    return claims.result();
  }

  @TearDown
  public void tearDown() {
    vertx.close().await();
  }
}
