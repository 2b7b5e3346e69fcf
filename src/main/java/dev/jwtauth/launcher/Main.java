package dev.jwtauth.launcher;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.config.ConfigLoader;
import dev.jwtauth.ops.LogFormat;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code java -jar jwt-auth-server.jar [serve]}: reads {@code conf/config.json} of the working
 * directory (or the packaged defaults) and the environment, starts the server, and stops it
 * cleanly on Ctrl-C / SIGTERM. A bad setting ends start-up with one sentence and exit code 2.
 * Other arguments run a {@link Cli} command.
 */
public final class Main {
  // no static logger: logging starts after the early crypto selection has begun (EarlyCrypto)

  private Main() {
  }

  public static void main(String[] args) {
    // Netty 4.2 registers its buffer events with JDK Flight Recorder when its allocator loads, which
    // loads JFR's machinery (about 150 ms of every start) for events nobody records; -Dio.netty.jfr.enabled=true
    // brings them back
    if (System.getProperty("io.netty.jfr.enabled") == null) {
      System.setProperty("io.netty.jfr.enabled", "false");
    }
    // SLF4J finds its provider by scanning the class path for service files (about 40 ms of a start);
    // naming it skips the scan, and its note that it did so is not printed
    if (System.getProperty("slf4j.provider") == null) {
      System.setProperty("slf4j.provider", "ch.qos.logback.classic.spi.LogbackServiceProvider");
      System.setProperty("slf4j.internal.verbosity", "WARN");
    }
    Path confFile = Path.of("conf", "config.json");
    if (args.length == 0 || List.of(args).equals(List.of("serve"))) {
      // logging first: a library logging from the early thread while this one set logging up would
      // have its line held back and replayed, with a warning from SLF4J
      LoggerFactory.getILoggerFactory();
      EarlyCrypto.start(confFile);
    }
    if (args.length == 1 && args[0].equals("cds-training")) {
      System.exit(CdsTraining.run());
    }
    if (args.length > 0 && Cli.needsNoConfig(List.of(args))) {
      System.exit(Cli.clusterCredentials(List.of(args).subList(2, args.length), System.out));
    }
    AppConfig cfg;
    // The Vert.x that reads the configuration is the server's own when it turns out not to be
    // clustered (the usual case): building a second one cost a few hundred ms of every start.
    Vertx vertx = App.localVertx();
    try {
      cfg = ConfigLoader.load(vertx, confFile).await();
    } catch (ConfigException e) {
      vertx.close().await();
      fail(e);
      return;
    }
    if (cfg.logFormat().equals("json")) {
      LogFormat.useJson();
    }
    List<String> command = List.of(args);
    boolean serve = command.isEmpty() || command.equals(List.of("serve"));
    if (!serve || cfg.cluster()) {
      vertx.close().await();
      vertx = null;
    }
    if (!serve) {
      if (command.contains("--help") || command.contains("-h") || command.get(0).equals("help")) {
        System.out.println(Cli.USAGE);
        return;
      }
      var stdin = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
      System.exit(new Cli(cfg, System.out, stdin).run(command));
    }
    try {
      App app = App.start(cfg, vertx);
      Runtime.getRuntime().addShutdownHook(new Thread(app::close, "shutdown"));
    } catch (ConfigException e) {
      fail(e);
    }
  }

  private static void fail(ConfigException e) {
    Logger log = LoggerFactory.getLogger(Main.class);
    log.error("Cannot start: {}", e.getMessage());
    log.debug("cause", e);
    System.exit(2);
  }
}
