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
