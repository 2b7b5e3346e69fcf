package dev.jwtauth.keys;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.bus.KeySetSeal;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.ops.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Base64;
import java.util.List;

/**
 * Owns the signing keys' lifecycle: loads them from {@code KEYS_DIR} (generating the first one),
 * rotates (on {@code KEY_ROTATION_INTERVAL} and on {@link Addresses#KEYS_ROTATE}), retires keys once
 * every token they signed has expired, answers {@link Addresses#JWKS_GET}, hands the active private
 * key to this process's issuers over the local-only {@link Addresses#SIGNING_KEY_GET}, lists the keys
 * for the admin API ({@link Addresses#KEYS_LIST}, local only), and
 * publishes {@link Addresses#JWKS_CHANGED} on every change. One instance per process.
 */
public final class KeyManagerVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(KeyManagerVerticle.class);
  private static final long RESCAN_MILLIS = 10_000;
  private static final String KEY_LOCK = "jwt-auth-server.keys";

  private final AppConfig config;
  private final Clock clock;
  private final SigningAlgorithm alg;
  private KeyRing ring;
  private Future<String> rotating = Future.succeededFuture();

  public KeyManagerVerticle(AppConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.alg = SigningAlgorithm.parse(config.signingAlg());
  }

  @Override
  public Future<?> start() {
    // Under the cluster-wide lock, so auth processes starting together create one first key, not one each.
    return underKeyLock(() -> vertx.executeBlocking(() -> KeyFiles.loadOrCreate(config.keysDir(), alg, clock)))
        .compose(loaded -> {
          ring = loaded;
          var bus = vertx.eventBus();
          var jwks = bus.<JsonObject>consumer(Addresses.JWKS_GET, msg -> {
            JsonObject set = ring.publicJwks();
            msg.reply(set, KeySetSeal.sealed(vertx, set));
          });
          var signing = bus.<JsonObject>localConsumer(Addresses.SIGNING_KEY_GET, this::replySigningKey);
          var rotate = bus.<JsonObject>localConsumer(Addresses.KEYS_ROTATE,
              msg -> rotate(true).onSuccess(kid -> msg.reply(new JsonObject().put("kid", kid)))
                  .onFailure(err -> {
                    log.error("key rotation failed: {}", err.getMessage());
                    msg.fail(500, "server_error");
                  }));
          var reload = bus.<JsonObject>consumer(Addresses.KEYS_RELOAD, msg -> refresh());
          var list = bus.<JsonObject>localConsumer(Addresses.KEYS_LIST, msg -> msg.reply(keyList()));
          return Future.all(List.of(jwks.completion(), signing.completion(), rotate.completion(), reload.completion(),
              list.completion()));
        })
        .compose(v -> retireExpired())
        .onSuccess(v -> {
          vertx.setPeriodic(RESCAN_MILLIS, t -> refresh().onSuccess(x -> rotateIfDue()));
          announce();
          log.info("JWKS ready: {} key(s), active kid={}", ring.all().size(), ring.active().kid());
        });
  }

  /**
   * Runs {@code work} holding the cluster-wide key lock (a local lock when not clustered): one
   * process at a time creates or rotates keys, so a scheduled rotation happens once, not once per
   * auth process.
   */
  private <T> Future<T> underKeyLock(java.util.function.Supplier<Future<T>> work) {
    return vertx.sharedData().getLockWithTimeout(KEY_LOCK, 30_000)
        .compose(lock -> work.get().andThen(ar -> lock.release()));
  }

  /** Re-reads KEYS_DIR (keys made by another process or the command line) and retires expired keys. */
  private Future<Void> refresh() {
    List<String> before = kids();
    return reloadRing().compose(v -> retireExpired()).onSuccess(v -> {
      if (!kids().equals(before)) {
        log.info("key set changed on disk: active kid={}", ring.active().kid());
        announce();
      }
    });
  }

  private List<String> kids() {
    return ring.all().stream().map(KeyEntry::kid).toList();
  }

  private Future<Void> reloadRing() {
    return vertx.executeBlocking(() -> KeyFiles.load(config.keysDir())).map(loaded -> {
      if (!loaded.isEmpty()) {
        ring = new KeyRing(loaded);
      }
      return null;
    });
  }

  private void rotateIfDue() {
    long every = config.keyRotationInterval().toSeconds();
    if (every > 0 && clock.millis() / 1000 - ring.active().created() >= every) {
      rotate(false);
    }
  }

  /**
   * Makes a new active key; the previous one stays published until it retires. Rotations run one
   * at a time, under the key lock, after re-reading the disk; an unforced (scheduled) rotation is
   * skipped when another process has just rotated.
   */
  private Future<String> rotate(boolean force) {
    Future<String> next = rotating.transform(ar -> underKeyLock(() -> reloadRing().compose(v -> {
      long every = config.keyRotationInterval().toSeconds();
      if (!force && clock.millis() / 1000 - ring.active().created() < every) {
        return Future.succeededFuture(ring.active().kid());
      }
      long created = KeyFiles.nextCreation(ring, clock);
      return vertx.executeBlocking(() -> KeyFiles.create(config.keysDir(), alg, created)).map(key -> {
        ring = ring.with(key);
        log.info("Key rotated: kid={} signs from now on", key.kid());
        Metrics.of(vertx).keyRotated();
        Audit.record(vertx, Audit.event("key_rotated").put("details", new JsonObject().put("kid", key.kid())
            .put("alg", key.alg().name()).put("scheduled", !force)));
        return key.kid();
      });
    })).compose(kid -> retireExpired().map(kid)).onSuccess(kid -> {
      announce();
      vertx.eventBus().publish(Addresses.KEYS_RELOAD, new JsonObject());
    }));
    rotating = next;
    return next;
  }

  private Future<Void> retireExpired() {
    List<KeyEntry> gone = ring.retiredAt(clock.millis() / 1000, config.keyRetirementDelay());
    if (gone.isEmpty()) {
      return Future.succeededFuture();
    }
    ring = ring.without(gone);
    return vertx.executeBlocking(() -> {
      gone.forEach(k -> KeyFiles.retire(config.keysDir(), k));
      return null;
    }).mapEmpty();
  }

  /** The keys for {@link Addresses#KEYS_LIST}: public facts only (kid, alg, age, when it leaves the JWKS). */
  private JsonObject keyList() {
    List<KeyEntry> all = ring.all();
    JsonArray keys = new JsonArray();
    for (int i = 0; i < all.size(); i++) {
      KeyEntry key = all.get(i);
      JsonObject json = new JsonObject().put("kid", key.kid()).put("alg", key.alg().name())
          .put("created", key.created()).put("active", i == all.size() - 1);
      if (i < all.size() - 1) {
        // a key stops signing when its successor is created, and leaves the JWKS a retirement delay later
        json.put("retires_at", all.get(i + 1).created() + config.keyRetirementDelay().toSeconds());
      }
      keys.add(json);
    }
    return new JsonObject().put("keys", keys);
  }

  private void replySigningKey(Message<JsonObject> msg) {
    msg.reply(signingKey());
  }

  private JsonObject signingKey() {
    KeyEntry active = ring.active();
    return new JsonObject()
        .put("kid", active.kid())
        .put("alg", active.alg().name())
        .put("pkcs8", Base64.getEncoder().encodeToString(active.privateKey().getEncoded()));
  }

  /**
   * Tells this process's issuers the signing key (local only: a private key never crosses the
   * cluster) and everyone the public key set, in that order, before any reply about the change.
   */
  private void announce() {
    var bus = vertx.eventBus();
    bus.publish(Addresses.SIGNING_KEY_CHANGED, signingKey(), new DeliveryOptions().setLocalOnly(true));
    JsonObject set = ring.publicJwks();
    bus.publish(Addresses.JWKS_CHANGED, set, KeySetSeal.sealed(vertx, set));
  }
}
