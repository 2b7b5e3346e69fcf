import dev.jwtauth.keys.CryptoProvider;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.users.Argon2Engine;
import dev.jwtauth.users.PasswordHasher;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.Signature;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The ceilings the kit's ratios are taken against, measured in the kit's own run: raw sign and
 * verify ops/s per JWS algorithm and crypto provider ({@code ES256} with {@code CRYPTO_PROVIDER=auto},
 * {@code ES256/jca} with the JDK's; through the project's {@link SigningAlgorithm} and
 * {@link CryptoProvider}, so the same code as the server) and argon2id hashes/s at the configured parameters
 * (through {@link PasswordHasher#hashBlocking}), on one thread; sign and argon2id also on all cores
 * at once (each thread with its own {@link Signature}), which shows how far {@code cores × one
 * thread} holds on this machine. A quick measurement, not JMH: 2 s of warm-up, then four windows,
 * of which the best counts (on a shared machine, other work only ever slows a window down).
 * Prints one JSON object.
 *
 * <p>Run from the source launcher with the server jar on the class path:
 * {@code java -cp target/jwt-auth-server.jar bench/tools/Ceilings.java <seconds> <m KiB> <t> <p> ALG...}
 */
public final class Ceilings {
  private static final int CORES = Runtime.getRuntime().availableProcessors();
  private static final long WARMUP_NANOS = 2_000_000_000L;
  private static final int WINDOWS = 4;
  /** A signing input of the size of a default access token's header and payload. */
  private static final byte[] INPUT = ("eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6IlJTMjU2LXRwNXhxdC1kMDMzIn0."
      + "eyJpc3MiOiJodHRwOi8vbG9jYWxob3N0OjgwODAiLCJzdWIiOiJhMjBjZTMxNi1iMTEwLTQzNmYtOTcyZi01N2UzNTc4MmNkMDYiLCJhdWQi"
      + "OiJhcGkiLCJleHAiOjE3OTU3ODc0MjEsImlhdCI6MTc5NTc4NjUyMSwianRpIjoidnRSU0ZvOHpFdkNjQjVEOG0xS3RzdyIsInNpZCI6IjNl"
      + "MWYyZGZmLTJlOWMtNGY1MC05NDkyLTg2MGJkMmIxZGQ4OSIsInJvbGVzIjpbInVzZXIiXSwidXNlcm5hbWUiOiJiZW5jaDAxIn0")
      .getBytes(StandardCharsets.US_ASCII);

  private Ceilings() {
  }

  private interface Op {
    void run() throws Exception;
  }

  /** Makes one thread's operation (each thread gets its own, as each verticle instance does). */
  private interface OpFactory {
    Op create() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    double seconds = Double.parseDouble(args[0]);
    int m = Integer.parseInt(args[1]);
    int t = Integer.parseInt(args[2]);
    int p = Integer.parseInt(args[3]);
    List<String> parts = new ArrayList<>();
    // what the server uses by default: argon2id and signatures in native code where they load
    Argon2Engine.select("auto");
    for (int i = 4; i < args.length; i++) {
      // "ES256" is the algorithm with CRYPTO_PROVIDER=auto, "ES256/jca" with the JDK's providers
      String[] spec = args[i].split("/", 2);
      CryptoProvider provider = CryptoProvider.select(spec.length > 1 ? spec[1] : "auto");
      SigningAlgorithm alg = SigningAlgorithm.parse(spec[0]);
      KeyPair pair = alg.generate();
      OpFactory signs = () -> {
        Signature signer = alg.newSignature();
        signer.initSign(pair.getPrivate());
        return () -> sign(signer);
      };
      Signature reference = alg.newSignature();
      reference.initSign(pair.getPrivate());
      byte[] signature = sign(reference);
      OpFactory verifies = () -> {
        Signature verifier = alg.newSignature();
        return () -> {
          verifier.initVerify(pair.getPublic());
          verifier.update(INPUT);
          if (!verifier.verify(signature)) {
            throw new IllegalStateException("signature did not verify");
          }
        };
      };
      parts.add(String.format(Locale.ROOT, "\"%s\":{\"provider\":\"%s\",\"sign_ops\":%.1f,\"sign_ops_all_cores\":%.1f,"
              + "\"verify_ops\":%.1f}",
          args[i], provider.name(), rate(1, seconds, signs), rate(CORES, seconds, signs), rate(1, seconds, verifies)));
    }
    PasswordHasher hasher = new PasswordHasher(null, m, t, p);
    OpFactory hashes = () -> () -> hasher.hashBlocking("correct horse battery staple");
    double hashSeconds = Math.max(seconds, 2.0);
    System.out.printf(Locale.ROOT, "{\"java\":\"%s\",\"seconds\":%.1f,\"cores\":%d,\"algorithms\":{%s},"
            + "\"argon2\":{\"engine\":\"%s\",\"m\":%d,\"t\":%d,\"p\":%d,\"hashes_per_s\":%.2f,\"hashes_per_s_all_cores\":%.2f}}%n",
        System.getProperty("java.version"), seconds, CORES, String.join(",", parts), Argon2Engine.current().name(), m, t, p,
        rate(1, hashSeconds, hashes), rate(CORES, hashSeconds, hashes));
  }

  private static byte[] sign(Signature signer) throws Exception {
    signer.update(INPUT);
    return signer.sign();
  }

  /**
   * Total operations per second of {@code threads} threads running at once: after the warm-up,
   * {@link #WINDOWS} windows of {@code seconds / WINDOWS} each; the best window counts.
   */
  private static double rate(int threads, double seconds, OpFactory factory) throws Exception {
    LongAdder done = new LongAdder();
    AtomicBoolean stop = new AtomicBoolean();
    Exception[] failure = new Exception[1];
    List<Thread> running = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Op op = factory.create();
      Thread th = new Thread(() -> {
        try {
          while (!stop.get()) {
            op.run();
            done.increment();
          }
        } catch (Exception e) {
          failure[0] = e;
        }
      });
      th.setDaemon(true);
      th.start();
      running.add(th);
    }
    Thread.sleep(WARMUP_NANOS / 1_000_000);
    long windowNanos = (long) (seconds * 1e9 / WINDOWS);
    double best = 0;
    for (int w = 0; w < WINDOWS; w++) {
      long n0 = done.sum();
      long t0 = System.nanoTime();
      Thread.sleep(windowNanos / 1_000_000);
      long n1 = done.sum();
      long t1 = System.nanoTime();
      best = Math.max(best, (n1 - n0) / ((t1 - t0) / 1e9));
    }
    stop.set(true);
    for (Thread th : running) {
      th.join();
    }
    if (failure[0] != null) {
      throw failure[0];
    }
    return best;
  }
}
