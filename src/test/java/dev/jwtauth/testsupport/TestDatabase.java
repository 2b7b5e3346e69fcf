package dev.jwtauth.testsupport;

import dev.jwtauth.db.EmbeddedDatabase;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;

import java.nio.file.Path;
import java.util.UUID;

/**
 * One embedded PostgreSQL for the whole test JVM (under {@code target/test-pg}), and a fresh,
 * empty database on it for each server a test starts, so tests never share state.
 */
public final class TestDatabase {
  private static EmbeddedDatabase server;

  private TestDatabase() {
  }

  /** The shared server, started on first use and stopped when the JVM exits. */
  public static synchronized EmbeddedDatabase server() {
    if (server == null) {
      server = EmbeddedDatabase.start(Path.of("target", "test-pg"), 0, false);
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "test-pg-stop"));
    }
    return server;
  }

  /** Creates an empty database and returns its URI. */
  public static String freshDatabase() {
    String name = "t_" + UUID.randomUUID().toString().replace("-", "");
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(server().uri())).using(vertx).build();
      pool.query("CREATE DATABASE " + name).execute().await();
      pool.close().await();
    } finally {
      vertx.close().await();
    }
    return "postgresql://postgres@127.0.0.1:" + server().port() + "/" + name;
  }
}
