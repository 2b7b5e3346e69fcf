package dev.jwtauth.users;

import dev.jwtauth.config.ConfigException;
import io.vertx.core.json.JsonObject;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where argon2id is computed, chosen once at start ({@code ARGON2_PROVIDER}): the reference C
 * implementation through argon2-jvm's library (JNA; its memory is off-heap and pooled, see
 * {@link NativeArgon2}, so a hash leaves no garbage on the Java heap; 2 MiB pages where the kernel
 * offers them) when it loads on this platform, BouncyCastle's pure-Java one otherwise. Both give the
 * same bytes: selection checks it on a test input before the native one is used, and a stored
 * hash verifies the same under either.
 */
public final class Argon2Engine {
  private static final Argon2Engine JAVA = new Argon2Engine(null, "BouncyCastle", "not selected");
  private static volatile Argon2Engine current = JAVA;

  private final NativeArgon2 nativeArgon2;
  private final String name;
  private final String reason;

  private Argon2Engine(NativeArgon2 nativeArgon2, String name, String reason) {
    this.nativeArgon2 = nativeArgon2;
    this.name = name;
    this.reason = reason;
  }

  /** The selected engine; BouncyCastle until {@link #select} ran. */
  public static Argon2Engine current() {
    return current;
  }

  /**
   * Selects the engine for this process: {@code auto} (native when it loads, else BouncyCastle),
   * {@code java} (BouncyCastle) or {@code native}.
   *
   * @throws ConfigException for {@code native} when the native library does not load, with the reason
   */
  public static Argon2Engine select(String setting) {
    return select(setting, Runtime.getRuntime().availableProcessors());
  }

  /** Same, keeping native working memory for {@code hashThreads} hashes at once (the hash workers). */
  public static Argon2Engine select(String setting, int hashThreads) {
    Argon2Engine chosen = switch (setting) {
      case "java" -> new Argon2Engine(null, "BouncyCastle", "ARGON2_PROVIDER=java");
      case "native", "auto" -> {
        String failure = null;
        NativeArgon2 nativeArgon2 = null;
        try {
          nativeArgon2 = new NativeArgon2(hashThreads);
          failure = selfTest(nativeArgon2);
        } catch (LinkageError | RuntimeException e) {
          failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        if (failure == null) {
          yield new Argon2Engine(nativeArgon2, "argon2-native", "ARGON2_PROVIDER=" + setting);
        }
        if (setting.equals("native")) {
          throw new ConfigException("ARGON2_PROVIDER=native but the native argon2 library does not load here ("
              + failure + "); use ARGON2_PROVIDER=auto or java.");
        }
        yield new Argon2Engine(null, "BouncyCastle", "native argon2 not available: " + failure);
      }
      default -> throw new ConfigException("ARGON2_PROVIDER must be auto, java or native, not '" + setting + "'.");
    };
    current = chosen;
    return chosen;
  }

  /** Null when the native implementation gives BouncyCastle's bytes on a small input, else why not. */
  private static String selfTest(NativeArgon2 nativeArgon2) {
    byte[] salt = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    byte[] password = "self-test".getBytes(StandardCharsets.US_ASCII);
    byte[] expected = bouncyCastle(password, salt, 64, 1, 1, 32);
    byte[] actual = nativeArgon2.hash(password, salt, 1, 64, 1, 32);
    return Arrays.equals(expected, actual) ? null : "its output differs from BouncyCastle's";
  }

  /** argon2id v1.3 of {@code password} with {@code salt}, {@code m} KiB, {@code t} passes, {@code p} lanes. */
  byte[] derive(byte[] password, byte[] salt, int m, int t, int p, int length) {
    if (nativeArgon2 != null) {
      return nativeArgon2.hash(password, salt, t, m, p, length);
    }
    return bouncyCastle(password, salt, m, t, p, length);
  }

  static byte[] bouncyCastle(byte[] password, byte[] salt, int m, int t, int p, int length) {
    Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
        .withVersion(Argon2Parameters.ARGON2_VERSION_13)
        .withMemoryAsKB(m)
        .withIterations(t)
        .withParallelism(p)
        .withSalt(salt)
        .build();
    Argon2BytesGenerator gen = new Argon2BytesGenerator();
    gen.init(params);
    byte[] out = new byte[length];
    gen.generateBytes(password, out);
    return out;
  }

  /** {@code argon2-native} or {@code BouncyCastle}. */
  public String name() {
    return name;
  }

  /**
   * {@code {"provider","reason"}}, for /ready; with the native engine also {@code "working_memory"}:
   * {@code "huge pages"} (2 MiB pages advised, see {@link WorkingMemory}) or {@code "small pages"}.
   */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("provider", name).put("reason", reason);
    if (nativeArgon2 != null) {
      json.put("working_memory", workingMemory());
    }
    return json;
  }

  private String workingMemory() {
    return nativeArgon2.hugePages() ? "huge pages" : "small pages";
  }

  @Override
  public String toString() {
    return name + " (" + reason + (nativeArgon2 != null ? "; working memory in " + workingMemory() : "") + ")";
  }
}
