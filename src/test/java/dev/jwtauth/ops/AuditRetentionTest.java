package dev.jwtauth.ops;

import dev.jwtauth.db.Migrations;
import dev.jwtauth.testsupport.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Audit rows older than AUDIT_RETENTION are deleted")
class AuditRetentionTest {
  private static final Duration RETENTION = Duration.ofDays(90);
  private final Vertx vertx = Vertx.vertx();
  private Pool pool;

  @BeforeEach
  void open() {
    pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(TestDatabase.freshDatabase())).using(vertx).build();
    Migrations.migrate(pool).await();
  }

  @AfterEach
  void close() {
    pool.close().await();
    vertx.close().await();
  }

  private void insert(String event, Instant at) {
    pool.preparedQuery("INSERT INTO audit_events (event, username, at) VALUES ($1, $2, $3)")
        .execute(Tuple.of(event, "carol", OffsetDateTime.ofInstant(at, ZoneOffset.UTC))).await();
  }

  private List<String> events() {
    List<String> out = new ArrayList<>();
    for (Row r : pool.query("SELECT event FROM audit_events ORDER BY id").execute().await()) {
      out.add(r.getString("event"));
    }
    return out;
  }

  @Test
  @DisplayName("a row older than the retention is pruned; rows inside it stay")
  void prunesOnlyOldRows() {
    Instant now = Instant.now();
    insert("login_failure", now.minus(RETENTION).minus(Duration.ofDays(1)));
    insert("logout", now.minus(RETENTION).minusSeconds(1));
    insert("login_success", now.minus(RETENTION).plus(Duration.ofHours(1)));
    insert("user_created", now);

    int deleted = Audit.prune(pool, now.minus(RETENTION)).await();

    assertThat(deleted).isEqualTo(2);
    assertThat(events()).containsExactly("login_success", "user_created");
    assertThat(Audit.prune(pool, now.minus(RETENTION)).await()).as("nothing left to prune").isZero();
  }

  @Test
  @DisplayName("more old rows than one batch are all pruned in one call")
  void prunesAcrossBatches() {
    pool.query("INSERT INTO audit_events (event, at) SELECT 'login_failure', now() - interval '100 days'"
        + " FROM generate_series(1, 10050)").execute().await();
    insert("user_created", Instant.now());

    assertThat(Audit.prune(pool, Instant.now().minus(RETENTION)).await()).isEqualTo(10_050);
    assertThat(events()).containsExactly("user_created");
  }
}
