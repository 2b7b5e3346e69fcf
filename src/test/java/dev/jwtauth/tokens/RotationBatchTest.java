package dev.jwtauth.tokens;

import dev.jwtauth.db.Database;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Refresh rotations gathered into one statement: each presentation gets its own answer")
class RotationBatchTest {
  static TestServer server;
  static Pool pool;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("REFRESH_GRACE", 10));
    pool = Database.pool(server.app().vertx(), server.config().pgUri(), server.config());
  }

  @AfterAll
  static void stop() {
    pool.close().await();
    server.close();
  }

  private static RefreshTokens tokens() {
    return new RefreshTokens(pool, Duration.ofHours(1), Duration.ofSeconds(10), Clock.systemUTC());
  }

  private static UUID newUser(String prefix) {
    String name = server.newUser(prefix, "user").name();
    return pool.preparedQuery("SELECT id FROM users WHERE username = $1").execute(Tuple.of(name)).await()
        .iterator().next().getUUID("id");
  }

  /** Calls every supplier in one go on {@code ctx}: the first presentation goes alone, the others wait together. */
  private static <T> List<Future<T>> inOneTick(Context ctx, List<Supplier<Future<T>>> calls) {
    Promise<List<Future<T>>> started = Promise.promise();
    ctx.runOnContext(v -> {
      List<Future<T>> all = new ArrayList<>();
      calls.forEach(c -> all.add(c.get()));
      started.complete(all);
    });
    List<Future<T>> all = started.future().await();
    Future.join(new ArrayList<>(all)).otherwiseEmpty().await();
    return all;
  }

  /** The refresh tokens of {@code n} new sessions of {@code user}. */
  private static List<String> sessions(RefreshTokens refresh, UUID user, int n) {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      tokens.add(refresh.create(UUID.randomUUID(), user, null).await());
    }
    return tokens;
  }

  private static long live(UUID user) {
    return pool.preparedQuery("SELECT count(*) AS n FROM refresh_tokens WHERE user_id = $1 AND used_at IS NULL"
        + " AND revoked_at IS NULL").execute(Tuple.of(user)).await().iterator().next().getLong("n");
  }

  @Test
  @DisplayName("live, repeated, unknown, revoked, key-bound and client-bound tokens in one batch: each answered as alone")
  void eachAnsweredAsAlone() {
    RefreshTokens refresh = tokens();
    UUID user = newUser("batch");
    List<String> live = sessions(refresh, user, 5);
    UUID revokedFamily = UUID.randomUUID();
    String revoked = refresh.create(revokedFamily, user, null).await();
    refresh.revokeFamily(revokedFamily).await();
    String bound = refresh.create(UUID.randomUUID(), user, null, List.of(), List.of("pwd"), "thumbprint-a").await();
    String clients = refresh.create(UUID.randomUUID(), user, "client-a").await();

    Context ctx = server.app().vertx().getOrCreateContext();
    long before = refresh.rotationStatements();
    List<Supplier<Future<RefreshTokens.Rotation>>> calls = new ArrayList<>();
    for (String t : live) {
      calls.add(() -> refresh.rotate(t, null, null));
    }
    calls.add(() -> refresh.rotate(live.get(2), null, null)); // the same token again, in the same batch
    calls.add(() -> refresh.rotate("not-a-token", null, null));
    calls.add(() -> refresh.rotate(revoked, null, null));
    calls.add(() -> refresh.rotate(bound, null, null)); // bound to a key, no proof
    calls.add(() -> refresh.rotate(bound, "thumbprint-b", null)); // a proof by another key
    calls.add(() -> refresh.rotate(clients, null, "client-b")); // another client's session
    List<Future<RefreshTokens.Rotation>> all = inOneTick(ctx, calls);

    assertThat(all).allMatch(Future::succeeded);
    assertThat(refresh.rotationStatements() - before).as("the first alone, then all the others in one statement")
        .isEqualTo(2);
    Set<String> successors = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      RefreshTokens.Rotation r = all.get(i).result();
      assertThat(r.status()).isEqualTo(RefreshTokens.Rotation.Status.ROTATED);
      assertThat(r.userId()).isEqualTo(user);
      successors.add(r.token());
    }
    assertThat(successors).hasSize(5).doesNotContainAnyElementsOf(live);
    assertThat(all.get(5).result().status()).as("the repeat, within the grace period")
        .isEqualTo(RefreshTokens.Rotation.Status.ROTATED);
    assertThat(all.get(5).result().token()).isEqualTo(all.get(2).result().token());
    assertThat(all.get(6).result().status()).isEqualTo(RefreshTokens.Rotation.Status.INVALID);
    assertThat(all.get(7).result().status()).isEqualTo(RefreshTokens.Rotation.Status.INVALID);
    assertThat(all.get(8).result().status()).isEqualTo(RefreshTokens.Rotation.Status.KEY_MISMATCH);
    assertThat(all.get(9).result().status()).isEqualTo(RefreshTokens.Rotation.Status.KEY_MISMATCH);
    assertThat(all.get(10).result().status()).isEqualTo(RefreshTokens.Rotation.Status.CLIENT_MISMATCH);
    // five consumed and five successors; the bound and the client's tokens untouched and still usable
    assertThat(live(user)).isEqualTo(5 + 2);
    assertThat(refresh.rotate(bound, "thumbprint-a", null).await().status())
        .isEqualTo(RefreshTokens.Rotation.Status.ROTATED);
    assertThat(refresh.rotate(clients, null, "client-a").await().status())
        .isEqualTo(RefreshTokens.Rotation.Status.ROTATED);
    for (String s : successors) {
      assertThat(refresh.rotate(s, null, null).await().status()).isEqualTo(RefreshTokens.Rotation.Status.ROTATED);
    }
  }

  @Test
  @DisplayName("a presentation that makes its batch fail fails alone; the others of the batch are rotated")
  void oneFailureFailsAlone() {
    RefreshTokens refresh = tokens();
    UUID user = newUser("batchfail");
    List<String> live = sessions(refresh, user, 4);
    // a row already holding the hash that live[2]'s successor will have: its insert breaks the unique index
    Buffer secret = pool.query("SELECT value FROM server_secrets WHERE name = 'refresh-successor'").execute().await()
        .iterator().next().getBuffer("value");
    String clash = successorOf(secret, live.get(2));
    refresh.create(UUID.randomUUID(), user, null).await(); // warm the statement cache
    pool.preparedQuery("INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at)"
            + " VALUES ($1, $2, $3, $4, now() + interval '1 hour')")
        .execute(Tuple.of(UUID.randomUUID(), UUID.randomUUID(), user, RefreshTokens.hash(clash))).await();

    Context ctx = server.app().vertx().getOrCreateContext();
    List<Supplier<Future<RefreshTokens.Rotation>>> calls = new ArrayList<>();
    for (String t : live) {
      calls.add(() -> refresh.rotate(t, null, null));
    }
    List<Future<RefreshTokens.Rotation>> all = inOneTick(ctx, calls);

    assertThat(all.get(2).failed()).isTrue();
    for (int i : new int[] {0, 1, 3}) {
      assertThat(all.get(i).succeeded()).isTrue();
      assertThat(all.get(i).result().status()).isEqualTo(RefreshTokens.Rotation.Status.ROTATED);
    }
    Row unused = pool.preparedQuery("SELECT used_at FROM refresh_tokens WHERE token_hash = $1")
        .execute(Tuple.of(RefreshTokens.hash(live.get(2)))).await().iterator().next();
    assertThat(unused.getValue("used_at")).as("the failed one's consume was rolled back").isNull();
  }

  @Test
  @DisplayName("batches from two issuers and a sign-out everywhere racing: no deadlock, no token survives")
  void batchesRaceRevokeUser() {
    UUID user = newUser("batchrace");
    RefreshTokens a = tokens();
    RefreshTokens b = tokens();
    List<String> chains = sessions(a, user, 40);
    Context ca = server.app().vertx().getOrCreateContext();
    Context cb = server.app().vertx().getOrCreateContext();
    // the two halves in opposite orders, so that families meet in the two batches the other way round
    List<Supplier<Future<RefreshTokens.Rotation>>> first = new ArrayList<>();
    List<Supplier<Future<RefreshTokens.Rotation>>> second = new ArrayList<>();
    for (int i = 0; i < chains.size(); i++) {
      String t = chains.get(i);
      first.add(() -> a.rotate(t, null, null));
      String u = chains.get(chains.size() - 1 - i);
      second.add(() -> b.rotate(u, null, null));
    }
    Promise<List<Future<RefreshTokens.Rotation>>> p1 = Promise.promise();
    Promise<List<Future<RefreshTokens.Rotation>>> p2 = Promise.promise();
    ca.runOnContext(v -> p1.complete(first.stream().map(Supplier::get).toList()));
    cb.runOnContext(v -> p2.complete(second.stream().map(Supplier::get).toList()));
    Future<java.util.Set<UUID>> revoke = a.revokeUser(user, null);
    List<Future<?>> everything = new ArrayList<>(p1.future().await());
    everything.addAll(p2.future().await());
    everything.add(revoke);
    Future.join(everything).otherwiseEmpty().await();

    assertThat(everything).as("no statement failed (a deadlock would fail one)").allMatch(Future::succeeded);
    assertThat(live(user)).as("no live token after the sign-out everywhere").isZero();
  }

  @Test
  @DisplayName("over a closed pool each rotation fails at once, the next ones too: no presentation waits for good")
  void closedPoolFailsEachTime() {
    Pool own = io.vertx.pgclient.PgBuilder.pool()
        .connectingTo(io.vertx.pgclient.PgConnectOptions.fromUri(server.config().pgUri()))
        .using(server.app().vertx()).build();
    RefreshTokens refresh = new RefreshTokens(own, Duration.ofHours(1), Duration.ZERO, Clock.systemUTC());
    assertThat(refresh.rotate("not-a-token", null, null).await().status())
        .isEqualTo(RefreshTokens.Rotation.Status.INVALID);
    own.close().await();
    for (int i = 0; i < 3; i++) {
      Future<RefreshTokens.Rotation> r = refresh.rotate("not-a-token", null, null)
          .timeout(5, java.util.concurrent.TimeUnit.SECONDS);
      Future.join(List.of(r)).otherwiseEmpty().await();
      assertThat(r.failed()).isTrue();
      assertThat(r.cause()).isNotInstanceOf(java.util.concurrent.TimeoutException.class);
    }
  }

  @Test
  @DisplayName("plans made while refresh_tokens was small still find each token by its hash once the table has grown")
  void plansMadeOnASmallTableUseTheIndex() {
    // The function's statements name refresh_tokens and users unqualified: in a schema of its own,
    // first on the search path, this connection has its own small copy of both, so what the test
    // does to their size and statistics touches nothing else (the server's own sessions included).
    long scans = pool.withConnection(conn -> conn.query("CREATE SCHEMA plan_probe").execute()
        .compose(v -> conn.query("CREATE TABLE plan_probe.users (LIKE public.users INCLUDING ALL)").execute())
        .compose(v -> conn.query("CREATE TABLE plan_probe.refresh_tokens (LIKE public.refresh_tokens INCLUDING ALL)").execute())
        .compose(v -> conn.query("SET search_path = plan_probe, public").execute())
        .compose(v -> conn.query("INSERT INTO users (username, password_hash) VALUES ('probe', 'x')").execute())
        .compose(v -> conn.query("INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at)"
            + " SELECT gen_random_uuid(), u.id, sha256(g::text::bytea), now() + interval '1 hour'"
            + " FROM users u, generate_series(1, 3) g").execute())
        // statistics of a small table, as right after a new database's first autovacuum
        .compose(v -> conn.query("ANALYZE plan_probe.users, plan_probe.refresh_tokens").execute())
        // more than five calls: the session now keeps a generic plan for each statement of the function
        .compose(v -> rotateUnknown(conn, 8))
        // the table grows; no ANALYZE comes in between (autovacuum looks once a minute)
        .compose(v -> conn.query("INSERT INTO refresh_tokens (family_id, user_id, token_hash, expires_at)"
            + " SELECT gen_random_uuid(), u.id, sha256(('grown' || g)::bytea), now() + interval '1 hour'"
            + " FROM users u, generate_series(1, 20000) g").execute())
        // counted inside one transaction, before and after: the session's counters are flushed to the
        // statistics at most once a second, and only between transactions, so the difference is
        // exactly what these 5 rotations did
        .compose(v -> conn.begin().compose(tx -> wideScans(conn)
            .compose(before -> rotateUnknown(conn, 5).compose(x -> wideScans(conn)).map(after -> after - before))
            .compose(n -> tx.rollback().map(n))))
        .eventually(() -> conn.query("RESET search_path").execute()
            .compose(v -> conn.query("DROP TABLE plan_probe.refresh_tokens, plan_probe.users").execute())
            .compose(v -> conn.query("DROP SCHEMA plan_probe").execute()))).await();
    assertThat(scans).as("scans of refresh_tokens, or of its expiry and family indexes, in 5 rotations").isZero();
  }

  /**
   * Scans of plan_probe.refresh_tokens itself, and of its indexes that do not find one token (expiry,
   * family), counted by this session so far.
   */
  private static Future<Long> wideScans(io.vertx.sqlclient.SqlConnection conn) {
    return conn.query("SELECT pg_stat_get_xact_numscans('plan_probe.refresh_tokens'::regclass)"
            + " + (SELECT coalesce(sum(pg_stat_get_xact_numscans(i.indexrelid)), 0) FROM pg_index i"
            + " WHERE i.indrelid = 'plan_probe.refresh_tokens'::regclass AND NOT i.indisunique) AS n")
        .execute().map(rows -> rows.iterator().next().getLong("n"));
  }

  /** {@code n} calls of the batch function, each with three tokens that do not exist. */
  private static Future<Void> rotateUnknown(io.vertx.sqlclient.SqlConnection conn, int n) {
    Future<Void> done = Future.succeededFuture();
    for (int i = 0; i < n; i++) {
      done = done.compose(v -> {
        List<Buffer> hashes = new ArrayList<>();
        List<UUID> next = new ArrayList<>();
        List<Buffer> nextHashes = new ArrayList<>();
        List<String> none = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
          hashes.add(Buffer.buffer(UUID.randomUUID().toString()));
          next.add(UUID.randomUUID());
          nextHashes.add(Buffer.buffer(UUID.randomUUID().toString()));
          none.add(null);
        }
        java.time.OffsetDateTime now = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC);
        return conn.preparedQuery(RefreshTokens.ROTATE).execute(Tuple.from(new Object[] {hashes.toArray(new Buffer[0]),
                next.toArray(new UUID[0]), nextHashes.toArray(new Buffer[0]), none.toArray(new String[0]),
                none.toArray(new String[0]), now, now.plusHours(1)}))
            .<Void>mapEmpty();
      });
    }
    return done;
  }

  private static String successorOf(Buffer secret, String token) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(), "HmacSHA256"));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(token.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
