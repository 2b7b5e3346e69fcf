package dev.jwtauth.testsupport;

import dev.jwtauth.db.EmbeddedDatabase;
import dev.jwtauth.db.PgCredentials;
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

  /**
   * Creates an empty database owned by the application's role, as the embedded server's own one
   * is, and returns the URI the application connects to it with (its role, not the superuser).
   */
  public static String freshDatabase() {
    String name = "t_" + UUID.randomUUID().toString().replace("-", "");
    PgCredentials credentials = server().credentials();
    int port = server().port();
    Vertx vertx = Vertx.vertx();
    try {
      Pool admin = superuser(vertx, credentials.superuserUri(port, PgCredentials.APP_DATABASE));
      admin.query("CREATE DATABASE " + name + " OWNER " + PgCredentials.APP_ROLE).execute().await();
      admin.close().await();
      Pool inside = superuser(vertx, credentials.superuserUri(port, name));
      inside.query("ALTER SCHEMA public OWNER TO " + PgCredentials.APP_ROLE).execute().await();
      inside.close().await();
    } finally {
      vertx.close().await();
    }
    String app = credentials.appUri(port);
    return app.substring(0, app.lastIndexOf('/') + 1) + name;
  }

  private static Pool superuser(Vertx vertx, String uri) {
    return PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(uri)).using(vertx).build();
  }
}
