package dev.jwtauth.launcher;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.config.ConfigLoader;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * {@code java -jar jwt-auth-server.jar}: reads {@code conf/config.json} of the working directory
 * (or the packaged defaults) and the environment, starts the server, and stops it cleanly on
 * Ctrl-C / SIGTERM. A bad setting ends start-up with one sentence and exit code 2.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) {
    AppConfig cfg;
    Vertx configVertx = Vertx.vertx();
    try {
      cfg = ConfigLoader.load(configVertx, Path.of("conf", "config.json")).await();
    } catch (ConfigException e) {
      fail(e);
      return;
    } finally {
      configVertx.close().await();
    }
    try {
      App app = App.start(cfg);
      Runtime.getRuntime().addShutdownHook(new Thread(app::close, "shutdown"));
    } catch (ConfigException e) {
      fail(e);
    }
  }

  private static void fail(ConfigException e) {
    log.error("Cannot start: {}", e.getMessage());
    log.debug("cause", e);
    System.exit(2);
  }
}
