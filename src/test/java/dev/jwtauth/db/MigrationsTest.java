package dev.jwtauth.db;

import dev.jwtauth.testsupport.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Migrations: each version applied once, in order, also by concurrent starts; an up-to-date schema is left as it is")
class MigrationsTest {
  private final Vertx vertx = Vertx.vertx();
  private final List<Pool> pools = new ArrayList<>();

  @AfterEach
  void close() {
    pools.forEach(p -> p.close().await());
    vertx.close().await();
  }

  private Pool pool(String uri) {
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(uri)).using(vertx).build();
    pools.add(pool);
    return pool;
  }

  private static List<Integer> versions(Pool pool) {
    List<Integer> out = new ArrayList<>();
    for (Row r : pool.query("SELECT version FROM schema_version ORDER BY version").execute().await()) {
      out.add(r.getInteger("version"));
    }
    return out;
  }

  private static List<Integer> all() {
    return IntStream.rangeClosed(1, Migrations.latest()).boxed().toList();
  }

  @Test
  @DisplayName("a fresh database is brought to the latest version; migrating again changes nothing")
  void freshThenAgain() {
    Pool pool = pool(TestDatabase.freshDatabase());
    assertThat(Migrations.migrate(pool).await()).isEqualTo(Migrations.latest());
    var applied = pool.query("SELECT version, applied_at FROM schema_version ORDER BY version").execute().await();
    assertThat(Migrations.migrate(pool).await()).isEqualTo(Migrations.latest());
    assertThat(versions(pool)).isEqualTo(all());
    var again = pool.query("SELECT version, applied_at FROM schema_version ORDER BY version").execute().await();
    List<Object> before = new ArrayList<>();
    applied.forEach(r -> before.add(r.getValue("applied_at")));
    List<Object> after = new ArrayList<>();
    again.forEach(r -> after.add(r.getValue("applied_at")));
    assertThat(after).isEqualTo(before);
  }

  @Test
  @DisplayName("a schema one version behind gets the missing migration only")
  void oneBehind() {
    Pool pool = pool(TestDatabase.freshDatabase());
    assertThat(Migrations.migrate(pool, Migrations.latest() - 1).await()).isEqualTo(Migrations.latest() - 1);
    assertThat(versions(pool)).isEqualTo(all().subList(0, Migrations.latest() - 1));
    assertThat(Migrations.migrate(pool).await()).isEqualTo(Migrations.latest());
    assertThat(versions(pool)).isEqualTo(all());
  }

  @Test
  @DisplayName("three processes starting at once on a fresh database apply each migration once")
  void concurrentStarts() {
    String uri = TestDatabase.freshDatabase();
    List<Future<Integer>> runs = List.of(Migrations.migrate(pool(uri)), Migrations.migrate(pool(uri)),
        Migrations.migrate(pool(uri)));
    assertThat(Future.all(runs).await().<Integer>list()).containsOnly(Migrations.latest());
    assertThat(versions(pools.get(0))).isEqualTo(all());
  }
}
