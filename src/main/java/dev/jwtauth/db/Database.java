package dev.jwtauth.db;

import dev.jwtauth.config.AppConfig;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL pool. Verticles open it by name with {@code shared=true}, so all their instances
 * use one pool and undeploying one instance does not close it under the others.
 */
public final class Database {
  private static final String POOL_NAME = "jwt-auth-db";

  private Database() {
  }

  /**
   * The shared pool for {@code uri}. Waiting for a connection is bounded (5 s) so a database outage
   * turns into a quick 503, not a hang.
   */
  public static Pool pool(Vertx vertx, String uri, AppConfig cfg) {
    PgConnectOptions connect = PgConnectOptions.fromUri(uri)
        .setCachePreparedStatements(true);
    PoolOptions options = new PoolOptions()
        .setMaxSize(cfg.pgPoolSize())
        .setShared(true)
        .setName(POOL_NAME)
        .setConnectionTimeout(5)
        .setConnectionTimeoutUnit(TimeUnit.SECONDS)
        .setMaxWaitQueueSize(10_000);
    return PgBuilder.pool().with(options).connectingTo(connect).using(vertx).build();
  }
}
