package dev.jwtauth.users;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * argon2id password hashing ({@link Argon2Engine}: native where it loads, else BouncyCastle) in the PHC string format
 * {@code $argon2id$v=19$m=<KiB>,t=<iterations>,p=<lanes>$<salt>$<hash>}. Hashing and verifying run on
 * a shared worker executor, never on an event loop: one hash costs tens of milliseconds and
 * {@code m} KiB of memory, so the executor's size bounds both.
 */
public final class PasswordHasher {
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getDecoder();
  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;

  private final WorkerExecutor workers;
  private final int memoryKib;
  private final int iterations;
  private final int parallelism;
  private final SecureRandom random = new SecureRandom();
  private final String dummyHash;

  public PasswordHasher(WorkerExecutor workers, int memoryKib, int iterations, int parallelism) {
    this.workers = workers;
    this.memoryKib = memoryKib;
    this.iterations = iterations;
    this.parallelism = parallelism;
    // A hash with these parameters that no password matches: verified against when the user does
    // not exist, so an unknown username costs the same argon2id run as a wrong password. Random
    // salt and output bytes are as good as a real hash for that, and spare one hash at every start.
    byte[] salt = new byte[SALT_BYTES];
    byte[] out = new byte[HASH_BYTES];
    random.nextBytes(salt);
    random.nextBytes(out);
    this.dummyHash = phc(salt, out);
  }

  /**
   * Whether a stored PHC string was made with other parameters than this hasher's (say after
   * ARGON2_MEMORY_KIB or ARGON2_ITERATIONS were raised): the hash is then upgraded after the next
   * successful login, when the password is at hand.
   */
  public boolean needsRehash(String phc) {
    return phc == null || !phc.startsWith("$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism + "$");
  }

  /** Hashes {@code password} on the worker pool. */
  public Future<String> hash(String password) {
    return workers.executeBlocking(() -> hashBlocking(password), false);
  }

  /**
   * Verifies {@code password} against a PHC string on the worker pool; with {@code phc} null it
   * verifies against a dummy hash and answers false, taking the same time.
   */
  public Future<Boolean> verify(String phc, String password) {
    String target = phc == null ? dummyHash : phc;
    return workers.executeBlocking(() -> verifyBlocking(target, password) && phc != null, false);
  }

  /**
   * Hashes on the calling thread: the body of {@link #hash} (run on the worker pool), the dummy hash
   * made by the constructor, and the bench kit's argon2 measurements. Never on an event loop.
   */
  public String hashBlocking(String password) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    return phc(salt, derive(password, salt, memoryKib, iterations, parallelism, HASH_BYTES));
  }

  /** The PHC string of a hash made with this hasher's parameters. */
  private String phc(byte[] salt, byte[] out) {
    return "$argon2id$v=19$m=" + memoryKib + ",t=" + iterations + ",p=" + parallelism
        + "$" + B64.encodeToString(salt) + "$" + B64.encodeToString(out);
  }

  static boolean verifyBlocking(String phc, String password) {
    String[] parts = phc.split("\\$");
    // ["", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash]
    if (parts.length != 6 || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) {
      return false;
    }
    int m = 0;
    int t = 0;
    int p = 0;
    for (String kv : parts[3].split(",")) {
      String[] pair = kv.split("=", 2);
      if (pair.length != 2) {
        return false;
      }
      int v = Integer.parseInt(pair[1]);
      switch (pair[0]) {
        case "m" -> m = v;
        case "t" -> t = v;
        case "p" -> p = v;
        default -> {
          return false;
        }
      }
    }
    byte[] salt = B64D.decode(parts[4]);
    byte[] expected = B64D.decode(parts[5]);
    byte[] actual = derive(password, salt, m, t, p, expected.length);
    return MessageDigest.isEqual(expected, actual);
  }

  private static byte[] derive(String password, byte[] salt, int m, int t, int p, int length) {
    return Argon2Engine.current().derive(password.getBytes(StandardCharsets.UTF_8), salt, m, t, p, length);
  }
}
