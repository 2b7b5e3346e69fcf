package dev.jwtauth.launcher;

import dev.jwtauth.config.ConfigLoader;
import dev.jwtauth.keys.CryptoProvider;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Starts choosing the crypto provider at the top of {@code main}, before logging, Vert.x and the
 * configuration are up. Loading the native provider and its self-tests take about 200 ms of one core;
 * begun once the configuration was read, they ran beside the first database connection and slowed
 * it by about as much (2 cores). It starts only when {@code CRYPTO_PROVIDER} is sure to be
 * {@code auto} or {@code native}: read as {@link ConfigLoader} reads it (the environment over the
 * file over the packaged default). Anything else, or a file that does not parse, and the provider
 * is chosen later as before; {@link App#start} uses this early choice only for the same setting.
 */
final class EarlyCrypto {
  private static final String KEY = "CRYPTO_PROVIDER";
  private static volatile Background<Early> started;

  /** The setting read early and what selecting it gave (a provider, or the failure to rethrow). */
  private record Early(String mode, CryptoProvider provider, RuntimeException failure) {
  }

  private EarlyCrypto() {
  }

  /**
   * Reads the setting and, when it is certain, selects the provider, all on the select-crypto
   * thread: the main thread goes on with logging and Vert.x.
   */
  static void start(Path confFile) {
    started = Background.start("select-crypto", () -> {
      String mode;
      try {
        mode = setting(confFile);
      } catch (RuntimeException | java.io.IOException e) {
        // the configuration's own reading reports a broken file or setting
        return null;
      }
      if (mode == null || !(mode.equals("auto") || mode.equals("native"))) {
        return null;
      }
      try {
        return new Early(mode, CryptoProvider.select(mode), null);
      } catch (RuntimeException e) {
        return new Early(mode, null, e);
      }
    });
  }

  /**
   * The selection for {@code mode}: the early one when it was begun for the same setting (once per
   * {@link #start}), else a new one as before.
   */
  static Background<CryptoProvider> selection(String mode) {
    Background<Early> early = started;
    started = null;
    if (early == null) {
      return Background.start("select-crypto", () -> CryptoProvider.select(mode));
    }
    return Background.start("select-crypto-join", () -> {
      Early e = early.await();
      if (e == null || !e.mode().equals(mode)) {
        return CryptoProvider.select(mode);
      }
      if (e.failure() != null) {
        throw e.failure();
      }
      return e.provider();
    });
  }

  /** For tests: the setting selected early and not yet handed over, waiting for its reading; or null. */
  static String pending() {
    Background<Early> early = started;
    Early e = early == null ? null : early.await();
    return e == null ? null : e.mode();
  }

  private static String setting(Path confFile) throws java.io.IOException {
    String env = System.getenv(KEY);
    if (env != null) {
      return env;
    }
    if (Files.isRegularFile(confFile)) {
      JsonObject file = new JsonObject(Files.readString(confFile));
      if (file.containsKey(KEY)) {
        Object v = file.getValue(KEY);
        return v instanceof String s ? s : null;
      }
    }
    return ConfigLoader.defaults().getString(KEY);
  }
}
