package dev.jwtauth.bench;

import dev.jwtauth.users.Argon2Engine;
import dev.jwtauth.users.PasswordHasher;
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
 * One argon2id hash at the configured parameters (defaults: m=19456 KiB, t=2, p=1) through the
 * project's {@link PasswordHasher#hashBlocking}, one thread: the ceiling of login throughput, with
 * each engine ({@code ARGON2_PROVIDER}: BouncyCastle on the heap, or the native library with its
 * pooled working memory), selected once per fork as the server does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Argon2Bench {
  @Param({"19456"})
  public int memoryKib;
  @Param({"2"})
  public int iterations;
  @Param({"1"})
  public int parallelism;
  @Param({"java", "native"})
  public String engine;

  private PasswordHasher hasher;

  @Setup
  public void setup() {
    Argon2Engine.select(engine);
    // hashBlocking runs on the calling thread: no worker executor is needed
    hasher = new PasswordHasher(null, memoryKib, iterations, parallelism);
  }

  @Benchmark
  public String hash() {
    return hasher.hashBlocking("correct horse battery staple");
  }
}
