package dev.jwtauth.clients;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * The registered clients of one process, kept in memory so that client authentication
 * ({@code client_credentials}, introspection, the event-bus token API) costs no database round trip.
 *
 * <p>Every change to the {@code clients} table, by any member, the admin API or the command line,
 * fires a trigger that sends {@code NOTIFY jwt_auth_clients, '<client_id>'} (migration V9); each
 * process listens on that channel and drops the entry. The process that made a change also drops
 * its own entry before answering. While the listening connection is down the cache is empty and
 * not used (every lookup reads the table), and it is emptied again when the subscription is back,
 * so a notification missed during an outage cannot leave a stale client behind. A connection that
 * dies silently (no reset seen) is caught by a heartbeat: every {@link #HEARTBEAT} the process
 * notifies the channel with an empty payload through its pool, and when no notification at all
 * has arrived for {@link #SILENCE} the cache turns itself off until one does. Entries also expire
 * after {@link #TTL} as a last resort. Unknown ids are never cached.
 */
public final class ClientCache {
  private static final Logger log = LoggerFactory.getLogger(ClientCache.class);
  /** The PostgreSQL channel the clients trigger notifies. */
  public static final String CHANNEL = "jwt_auth_clients";
  static final Duration TTL = Duration.ofMinutes(5);
  static final Duration HEARTBEAT = Duration.ofMillis(500);
  static final Duration SILENCE = Duration.ofMillis(1_600);

  private final Cache<String, Client> entries = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(TTL).build();
  private final PgSubscriber subscriber;
  private final Vertx vertx;
  private volatile boolean subscribed;
  private volatile boolean live;
  private volatile long lastHeard;
  private long heartbeat = -1;

  private ClientCache(Vertx vertx, PgSubscriber subscriber) {
    this.vertx = vertx;
    this.subscriber = subscriber;
  }

  /**
   * Starts listening for client changes on the database at {@code pgUri}. The answer succeeds
   * even when the first connection fails: the cache then stays off and the subscriber keeps retrying.
   */
  public static Future<ClientCache> start(Vertx vertx, String pgUri, Pool pool) {
    PgSubscriber subscriber = PgSubscriber.subscriber(vertx, PgConnectOptions.fromUri(pgUri));
    ClientCache cache = new ClientCache(vertx, subscriber);
    subscriber.reconnectPolicy(retries -> 1_000L);
    subscriber.closeHandler(v -> cache.off("closed"));
    subscriber.channel(CHANNEL)
        .subscribeHandler(v -> {
          cache.entries.invalidateAll();
          cache.subscribed = true;
          cache.heard();
        })
        .endHandler(v -> cache.off("subscription ended"))
        .handler(payload -> {
          cache.heard();
          if (!payload.isEmpty()) {
            cache.invalidate(payload);
          }
        });
    cache.heartbeat = vertx.setPeriodic(HEARTBEAT.toMillis(), t -> {
      if (cache.live && System.nanoTime() - cache.lastHeard > SILENCE.toNanos()) {
        cache.live = false;
        cache.entries.invalidateAll();
        log.warn("client cache off: no notification from the database for {} ms", SILENCE.toMillis());
      }
      pool.query("SELECT pg_notify('" + CHANNEL + "', '')").execute()
          .onFailure(err -> log.debug("client cache heartbeat failed: {}", err.getMessage()));
    });
    return subscriber.connect()
        .recover(err -> {
          log.warn("client cache off until the database can be listened to: {}", err.getMessage());
          return Future.succeededFuture();
        })
        .map(cache);
  }

  /** A notification arrived: the connection is alive (turns the cache back on after a silence). */
  private void heard() {
    lastHeard = System.nanoTime();
    if (subscribed && !live) {
      entries.invalidateAll();
      live = true;
      log.debug("client cache on (listening to {})", CHANNEL);
    }
  }

  private void off(String why) {
    if (live) {
      log.info("client cache off ({}); clients are read from the database", why);
    }
    subscribed = false;
    live = false;
    entries.invalidateAll();
  }

  /** The cached client, or null when not cached or the cache is off. */
  Client get(String clientId) {
    return live ? entries.getIfPresent(clientId) : null;
  }

  /** Keeps a client read from the table (only while listening: a change could not be heard otherwise). */
  void put(Client client) {
    if (live) {
      entries.put(client.clientId(), client);
    }
  }

  /** Drops a client (its row changed). */
  public void invalidate(String clientId) {
    if (clientId != null) {
      entries.invalidate(clientId);
    }
  }

  /** Whether lookups are served from memory (the database is being listened to). */
  public boolean live() {
    return live;
  }

  /** Stops listening. */
  public Future<Void> close() {
    vertx.cancelTimer(heartbeat);
    subscribed = false;
    live = false;
    entries.invalidateAll();
    return subscriber.close();
  }
}
