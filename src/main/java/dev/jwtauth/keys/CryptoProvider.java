package dev.jwtauth.keys;

import dev.jwtauth.config.ConfigException;
import io.vertx.core.json.JsonObject;

import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;

/**
 * Where the process's signatures are computed, chosen once at start ({@code CRYPTO_PROVIDER}):
 * AWS-LC through the Amazon Corretto Crypto Provider (ACCP) when it loads, the JDK's own providers
 * otherwise.
 *
 * <ul>
 *   <li>{@code native}: our signing and key generation ask ACCP by name, and ACCP is installed as
 *       the JCA's first provider, so that vertx-auth-jwt (which verifies through
 *       {@code Signature.getInstance(alg)}) and Nimbus-style callers use it too.</li>
 *   <li>{@code jca}: our signing asks the JDK's providers explicitly (ACCP skipped even when present),
 *       and ACCP is removed from the JCA's list if an earlier start in this JVM installed it, so
 *       vertx-auth-jwt's verification uses the JDK's as well.</li>
 * </ul>
 * The JCA provider list is process-wide: two servers in one JVM with different settings are not
 * supported (the later start decides what libraries see; our own signing follows each selection).
 * Keys decoded by the JDK's {@code KeyFactory} work with ACCP's signatures (it translates them).
 */
public final class CryptoProvider {
  /** ACCP's provider name in the JCA. */
  public static final String NATIVE_NAME = "AmazonCorrettoCryptoProvider";
  private static volatile CryptoProvider current = jca("not selected");

  private final Provider nativeProvider;
  private final String name;
  private final String version;
  private final String reason;

  private CryptoProvider(Provider nativeProvider, String name, String version, String reason) {
    this.nativeProvider = nativeProvider;
    this.name = name;
    this.version = version;
    this.reason = reason;
  }

  private static CryptoProvider jca(String reason) {
    return new CryptoProvider(null, "JCA", System.getProperty("java.version"), reason);
  }

  /** The selected provider; the JDK's until {@link #select} ran. */
  public static CryptoProvider current() {
    return current;
  }

  /**
   * Selects the provider for this process: {@code auto} (native when it loads, else the JDK),
   * {@code jca} or {@code native}.
   *
   * @throws ConfigException for {@code native} when ACCP does not load, with the reason
   */
  public static synchronized CryptoProvider select(String mode) {
    CryptoProvider chosen = switch (mode) {
      case "jca" -> {
        Security.removeProvider(NATIVE_NAME);
        yield jca("CRYPTO_PROVIDER=jca");
      }
      case "native", "auto" -> {
        String failure = NativeLoader.failure();
        if (failure == null) {
          Provider p = NativeLoader.install();
          yield new CryptoProvider(p, NATIVE_NAME, NativeLoader.version(), "CRYPTO_PROVIDER=" + mode);
        }
        if (mode.equals("native")) {
          throw new ConfigException("CRYPTO_PROVIDER=native, but the Amazon Corretto Crypto Provider did not load ("
              + failure + "); use auto or jca on this platform.");
        }
        Security.removeProvider(NATIVE_NAME);
        yield jca("CRYPTO_PROVIDER=auto and the native provider did not load: " + failure);
      }
      default -> throw new ConfigException("CRYPTO_PROVIDER must be one of auto, jca, native (it is '" + mode + "').");
    };
    current = chosen;
    return chosen;
  }

  /** Whether signatures go through AWS-LC. */
  public boolean isNative() {
    return nativeProvider != null;
  }

  /** {@value #NATIVE_NAME} or {@code JCA}. */
  public String name() {
    return name;
  }

  /** ACCP's version with its AWS-LC version, or the Java version for JCA. */
  public String version() {
    return version;
  }

  /** Why this provider: the setting, and for a fallback what failed. */
  public String reason() {
    return reason;
  }

  /** {"provider","version","reason"} for {@code /ready}. */
  public JsonObject toJson() {
    return new JsonObject().put("provider", name).put("version", version).put("reason", reason);
  }

  @Override
  public String toString() {
    return name + " " + version + " (" + reason + ")";
  }

  /** A new {@link Signature} for a JCA algorithm name from the selected provider. */
  public Signature signature(String algorithm) throws NoSuchAlgorithmException {
    return Signature.getInstance(algorithm, provider("Signature", algorithm));
  }

  /** A new {@link KeyPairGenerator} from the selected provider. */
  public KeyPairGenerator keyPairGenerator(String algorithm) throws NoSuchAlgorithmException {
    return KeyPairGenerator.getInstance(algorithm, provider("KeyPairGenerator", algorithm));
  }

  /** A {@link KeyFactory} from the selected provider (ACCP has none for Ed25519: the JDK's then). */
  public KeyFactory keyFactory(String algorithm) throws NoSuchAlgorithmException {
    return KeyFactory.getInstance(algorithm, provider("KeyFactory", algorithm));
  }

  private Provider provider(String type, String algorithm) throws NoSuchAlgorithmException {
    if (nativeProvider != null && nativeProvider.getService(type, algorithm) != null) {
      return nativeProvider;
    }
    for (Provider p : Security.getProviders()) {
      if (!p.getName().equals(NATIVE_NAME) && p.getService(type, algorithm) != null) {
        return p;
      }
    }
    throw new NoSuchAlgorithmException(type + " " + algorithm + " is not offered by the JDK");
  }

  /**
   * Every reference to ACCP's classes: this class is loaded only when native crypto is wanted, and
   * a missing jar or native library shows as a failure, not as an error at class loading.
   */
  private static final class NativeLoader {
    private NativeLoader() {
    }

    /** Null when ACCP loaded and passed its self-tests, else why not. */
    static String failure() {
      try {
        var accp = com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider.INSTANCE;
        Throwable loading = accp.getLoadingError();
        if (loading != null) {
          return describe(loading);
        }
        accp.assertHealthy();
        return null;
      } catch (LinkageError | RuntimeException e) {
        return describe(e);
      }
    }

    static Provider install() {
      if (Security.getProvider(NATIVE_NAME) == null) {
        com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider.install();
      }
      return com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider.INSTANCE;
    }

    static String version() {
      var accp = com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider.INSTANCE;
      return accp.getVersionStr() + " (" + accp.getAwsLcVersionStr() + ")";
    }

    private static String describe(Throwable e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String msg = root.getMessage() == null ? "" : ": " + root.getMessage().replaceAll("[.\\s]+$", "");
      return root.getClass().getSimpleName() + msg;
    }
  }
}
