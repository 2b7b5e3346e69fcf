package dev.jwtauth.db;

import dev.jwtauth.config.ConfigException;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies the application's database from one embedded cluster to another (the PostgreSQL 14 to 17
 * upgrade): the schema is rebuilt on the target by {@link Migrations} up to the source's version,
 * then every row of every table and every sequence's position is copied, and the row counts compared.
 *
 * <p>Rows travel as JSON ({@code row_to_json} there, {@code json_populate_recordset} here), which
 * round-trips every type our schema uses (uuid, text[], timestamptz, bytea, jsonb, inet), in
 * batches read from a cursor inside one repeatable-read snapshot. The target is written as the
 * superuser in one transaction with {@code session_replication_role = replica}, so foreign keys
 * and triggers do not care about the order of the tables; the tables stay the application role's.
 *
 * <p>Runs on the calling thread with {@code await()}: start-up only, never an event loop.
 */
final class TableCopy {
  private static final Logger log = LoggerFactory.getLogger(TableCopy.class);
  private static final int BATCH = 2_000;

  /** What was copied. */
  record Counts(int tables, long rows, int sequences) {
  }

  private TableCopy() {
  }

  static Counts copy(EmbeddedDatabase source, EmbeddedDatabase target) throws IOException {
    Vertx vertx = Vertx.vertx();
    try {
      return copy(vertx, superuser(source), superuser(target), target.uri());
    } catch (ConfigException e) {
      throw e;
    } catch (Exception e) {
      // await() rethrows checked causes too, hence Exception; the message is PostgreSQL's, no secret in it
      throw new IOException("copying the data to PostgreSQL 17 failed: " + e.getMessage(), e);
    } finally {
      vertx.close().await();
    }
  }

  private static PgConnectOptions superuser(EmbeddedDatabase db) {
    return PgConnectOptions.fromUri(db.credentials().superuserUri(db.port(), PgCredentials.APP_DATABASE));
  }

  private static Counts copy(Vertx vertx, PgConnectOptions from, PgConnectOptions to, String targetAppUri) {
    PgConnection src = PgConnection.connect(vertx, from).await();
    PgConnection dst = PgConnection.connect(vertx, to).await();
    try {
      warnAboutOtherDatabases(src);
      int version = schemaVersion(src);
      if (version > Migrations.latest()) {
        throw new ConfigException("The PostgreSQL 14 data is at schema version " + version + ", newer than this server's "
            + Migrations.latest() + "; run a newer jwt-auth-server or set PG_URI.");
      }
      Pool app = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(targetAppUri)).using(vertx).build();
      try {
        Migrations.migrate(app, version).await();
      } finally {
        app.close().await();
      }
      List<String> sourceTables = column(src, TABLES);
      List<String> targetTables = column(dst, TABLES);
      for (String table : sourceTables) {
        if (!targetTables.contains(table)) {
          throw new ConfigException("Table " + table + " of the PostgreSQL 14 data is not one this server's migrations"
              + " make (schema version " + version + "), so it cannot be upgraded; set PG_URI or move it away.");
        }
      }
      src.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").execute().await();
      dst.query("BEGIN").execute().await();
      dst.query("SET LOCAL session_replication_role = replica").execute().await();
      if (!targetTables.isEmpty()) {
        // the migrations' own rows (schema_version, seeds) come back with the copy
        dst.query("TRUNCATE " + String.join(", ", targetTables.stream().map(TableCopy::name).toList())).execute().await();
      }
      long rows = 0;
      for (String table : sourceTables) {
        rows += copyTable(src, dst, table);
      }
      int sequences = copySequences(src, dst);
      dst.query("COMMIT").execute().await();
      src.query("COMMIT").execute().await();
      log.info("Copied {} rows of {} tables and {} sequences (schema version {})", rows, sourceTables.size(), sequences,
          version);
      return new Counts(sourceTables.size(), rows, sequences);
    } finally {
      dst.close().await();
      src.close().await();
    }
  }

  private static final String TABLES = "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
      + " WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1";

  private static final String COLUMNS = "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0"
      + " AND NOT attisdropped AND attgenerated = '' ORDER BY attnum";

  private static long copyTable(PgConnection src, PgConnection dst, String table) {
    String qualified = "public." + name(table);
    List<String> columns = new ArrayList<>();
    for (Row r : dst.preparedQuery(COLUMNS).execute(Tuple.of(qualified)).await()) {
      columns.add(name(r.getString(0)));
    }
    String list = String.join(", ", columns);
    String insert = "INSERT INTO " + qualified + " (" + list + ") OVERRIDING SYSTEM VALUE SELECT " + list
        + " FROM json_populate_recordset(NULL::" + qualified + ", $1::text::json)";
    src.query("DECLARE upgrade_rows NO SCROLL CURSOR FOR SELECT row_to_json(t)::text FROM " + qualified + " t")
        .execute().await();
    long copied = 0;
    while (true) {
      RowSet<Row> batch = src.query("FETCH " + BATCH + " FROM upgrade_rows").execute().await();
      if (batch.size() == 0) {
        break;
      }
      StringBuilder json = new StringBuilder("[");
      for (Row r : batch) {
        json.append(json.length() > 1 ? "," : "").append(r.getString(0));
      }
      dst.preparedQuery(insert).execute(Tuple.of(json.append(']').toString())).await();
      copied += batch.size();
    }
    src.query("CLOSE upgrade_rows").execute().await();
    long expected = count(src, qualified);
    long present = count(dst, qualified);
    if (expected != copied || present != expected) {
      throw new IllegalStateException("table " + table + ": " + expected + " rows in PostgreSQL 14, " + present
          + " in 17 after the copy");
    }
    log.debug("copied {} rows of {}", copied, table);
    return copied;
  }

  private static int copySequences(PgConnection src, PgConnection dst) {
    Map<String, Long> positions = new LinkedHashMap<>();
    for (Row r : src.query("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        + " AND last_value IS NOT NULL").execute().await()) {
      positions.put(r.getString(0), r.getLong(1));
    }
    for (Map.Entry<String, Long> p : positions.entrySet()) {
      dst.preparedQuery("SELECT setval($1::regclass, $2, true)")
          .execute(Tuple.of("public." + name(p.getKey()), p.getValue())).await();
    }
    return positions.size();
  }

  private static int schemaVersion(PgConnection src) {
    if (column(src, "SELECT to_regclass('public.schema_version')::text").get(0) == null) {
      return 0;
    }
    return Integer.parseInt(column(src, "SELECT coalesce(max(version), 0)::text FROM public.schema_version").get(0));
  }

  private static void warnAboutOtherDatabases(PgConnection src) {
    List<String> others = column(src, "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> '"
        + PgCredentials.APP_DATABASE + "' ORDER BY 1");
    if (!others.isEmpty()) {
      log.warn("The PostgreSQL 14 data holds other databases than {}, which are not upgraded (they stay in the"
          + " backup): {}", PgCredentials.APP_DATABASE, others);
    }
  }

  private static long count(PgConnection conn, String qualified) {
    return conn.query("SELECT count(*) FROM " + qualified).execute().await().iterator().next().getLong(0);
  }

  private static List<String> column(PgConnection conn, String sql) {
    List<String> out = new ArrayList<>();
    for (Row r : conn.query(sql).execute().await()) {
      Object v = r.getValue(0);
      out.add(v == null ? null : v.toString());
    }
    return out;
  }

  /** A quoted identifier. */
  private static String name(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }
}
