package dev.jwtauth.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Merges the settings: the defaults packaged in the jar, then {@code conf/config.json} of the
 * working directory when present, then the environment. The stores are listed explicitly because
 * vertx-config's default retriever lets the file override the environment; we want env to win.
 */
public final class ConfigLoader {
  private static final String DEFAULTS = "conf/config.json";

  private ConfigLoader() {
  }

  /** The defaults packaged in the jar (a copy of the repository's {@code conf/config.json}). */
  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS)) {
      if (in == null) {
        throw new ConfigException("The packaged defaults " + DEFAULTS + " are missing from the jar; rebuild it.");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Loads and validates the configuration.
   *
   * @param confFile the optional file (usually {@code conf/config.json} in the working directory)
   */
  public static Future<AppConfig> load(Vertx vertx, Path confFile) {
    ConfigRetrieverOptions options = new ConfigRetrieverOptions()
        .setScanPeriod(0)
        .addStore(new ConfigStoreOptions().setType("json").setConfig(defaults()));
    if (Files.isRegularFile(confFile)) {
      options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
          .setConfig(new JsonObject().put("path", confFile.toAbsolutePath().toString())));
    }
    options.addStore(new ConfigStoreOptions().setType("env")
        .setConfig(new JsonObject().put("raw-data", true).put("keys", new JsonArray(AppConfig.KEYS))));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
        .recover(err -> Future.failedFuture(new ConfigException(
            "Could not read " + confFile + ": " + err.getMessage() + " (it must be a JSON object).", err)))
        .map(AppConfig::from)
        .onComplete(ar -> retriever.close());
  }
}
