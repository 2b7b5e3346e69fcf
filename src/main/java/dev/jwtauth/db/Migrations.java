package dev.jwtauth.db;

import dev.jwtauth.config.ConfigException;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Applies the versioned SQL files of {@code src/main/resources/db/} in order, each in its own
 * transaction together with its row in {@code schema_version}. An advisory lock makes concurrent
 * starts (several auth processes) apply each migration once. A database whose schema is newer than
 * this server knows stops start-up.
 */
public final class Migrations {
  private static final Logger log = LoggerFactory.getLogger(Migrations.class);
  /** Every migration, in order; version n is the n-th entry. */
  static final List<String> FILES = List.of("V1__init.sql", "V2__audit.sql", "V3__clients.sql",
      "V4__login_failures.sql", "V5__password_resets.sql", "V6__authorization_code.sql", "V7__dpop.sql",
      "V8__totp.sql", "V9__client_notify.sql", "V10__code_amr.sql", "V11__rotate_batch.sql",
      "V12__rotate_plans.sql");
  private static final long LOCK_KEY = 0x6a7761_7574_68L;
  /** PostgreSQL's SQLSTATE for a table that does not exist (a database never migrated). */
  private static final String UNDEFINED_TABLE = "42P01";

  private Migrations() {
  }

  /** The schema version this server expects. */
  public static int latest() {
    return FILES.size();
  }

  /** Applies what is missing. Reads the SQL files on the calling thread (start-up, not an event loop). */
  public static Future<Integer> migrate(Pool pool) {
    return migrate(pool, FILES.size());
  }

  /** Applies what is missing up to version {@code last} (an upgrade rebuilds an older schema with it). */
  static Future<Integer> migrate(Pool pool, int last) {
    List<String> scripts = FILES.stream().map(Migrations::read).toList();
    // A schema already at (or past) the last version, as at every start but the first after an
    // upgrade, is checked in one statement, not one locked transaction per migration. Otherwise the
    // version table is created under the lock: concurrent CREATE TABLE IF NOT EXISTS can collide.
    return currentVersion(pool)
        .recover(err -> err instanceof PgException pg && UNDEFINED_TABLE.equals(pg.getSqlState())
            ? Future.succeededFuture(0) : Future.failedFuture(err))
        .compose(current -> current >= last ? notNewer(current) : pool.withTransaction(conn -> lock(conn)
                .compose(v -> conn.query("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY,"
                    + " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())").execute()))
            .compose(v -> applyFrom(pool, scripts, 1, last)));
  }

  private static Future<?> lock(SqlConnection conn) {
    return conn.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(LOCK_KEY));
  }

  private static Future<Integer> applyFrom(Pool pool, List<String> scripts, int version, int last) {
    if (version > last) {
      return currentVersion(pool).compose(Migrations::notNewer);
    }
    return pool.withTransaction(conn -> apply(conn, scripts, version)).compose(v -> applyFrom(pool, scripts, version + 1, last));
  }

  private static Future<Void> apply(SqlConnection conn, List<String> scripts, int version) {
    String name = FILES.get(version - 1);
    return lock(conn)
        .compose(v -> conn.preparedQuery("SELECT 1 FROM schema_version WHERE version = $1").execute(Tuple.of(version)))
        .compose(rows -> {
          if (rows.size() > 0) {
            return Future.succeededFuture();
          }
          log.info("Applying migration {}", name);
          return conn.query(scripts.get(version - 1)).execute()
              .compose(x -> conn.preparedQuery("INSERT INTO schema_version (version, name) VALUES ($1, $2)")
                  .execute(Tuple.of(version, name)))
              .mapEmpty();
        });
  }

  /** The schema version, unless it is newer than this server knows (then start-up stops). */
  private static Future<Integer> notNewer(int current) {
    if (current > FILES.size()) {
      return Future.failedFuture(new ConfigException("The database schema is at version " + current
          + ", newer than this server's " + FILES.size() + "; run a newer jwt-auth-server or point PG_URI elsewhere."));
    }
    return Future.succeededFuture(current);
  }

  private static Future<Integer> currentVersion(Pool pool) {
    return pool.query("SELECT coalesce(max(version), 0) AS v FROM schema_version").execute()
        .map(rows -> rows.iterator().next().getInteger("v"));
  }

  private static String read(String name) {
    try (InputStream in = Migrations.class.getClassLoader().getResourceAsStream("db/" + name)) {
      if (in == null) {
        throw new IllegalStateException("migration db/" + name + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
