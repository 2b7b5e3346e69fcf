package dev.jwtauth.jwks;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.keys.KeyEntry;
import dev.jwtauth.keys.KeyFiles;
import dev.jwtauth.keys.KeyRing;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.ops.Metrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
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
 * key to this process's issuers over the local-only {@link Addresses#SIGNING_KEY_GET}, and
 * publishes {@link Addresses#JWKS_CHANGED} on every change. One instance per process.
 */
public final class JwksVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(JwksVerticle.class);
  private static final long RETIRE_CHECK_MILLIS = 10_000;

  private final AppConfig config;
  private final Clock clock;
  private final SigningAlgorithm alg;
  private KeyRing ring;
  private Future<String> rotating = Future.succeededFuture();

  public JwksVerticle(AppConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.alg = SigningAlgorithm.parse(config.signingAlg());
  }

  @Override
  public Future<?> start() {
    return vertx.executeBlocking(() -> KeyFiles.loadOrCreate(config.keysDir(), alg, clock))
        .compose(loaded -> {
          ring = loaded;
          var bus = vertx.eventBus();
          var jwks = bus.<JsonObject>consumer(Addresses.JWKS_GET, msg -> msg.reply(ring.publicJwks()));
          var signing = bus.<JsonObject>localConsumer(Addresses.SIGNING_KEY_GET, this::replySigningKey);
          var rotate = bus.<JsonObject>localConsumer(Addresses.KEYS_ROTATE,
              msg -> rotate().onSuccess(kid -> msg.reply(new JsonObject().put("kid", kid)))
                  .onFailure(err -> msg.fail(500, "server_error")));
          return Future.all(jwks.completion(), signing.completion(), rotate.completion());
        })
        .compose(v -> retireExpired())
        .onSuccess(v -> {
          vertx.setPeriodic(RETIRE_CHECK_MILLIS, t -> {
            int before = ring.all().size();
            retireExpired().onSuccess(x -> {
              if (ring.all().size() != before) {
                vertx.eventBus().publish(Addresses.JWKS_CHANGED, ring.publicJwks());
              }
            });
          });
          long every = config.keyRotationInterval().toMillis();
          if (every > 0) {
            long sinceActive = clock.millis() - ring.active().created() * 1000;
            vertx.setTimer(Math.max(1, every - sinceActive), t -> {
              rotate();
              vertx.setPeriodic(every, p -> rotate());
            });
          }
          vertx.eventBus().publish(Addresses.JWKS_CHANGED, ring.publicJwks());
          log.info("JWKS ready: {} key(s), active kid={}", ring.all().size(), ring.active().kid());
        });
  }

  /** Makes a new active key; the previous one stays published until it retires. Rotations run one at a time. */
  private Future<String> rotate() {
    Future<String> next = rotating.transform(ar -> rotateNow());
    rotating = next;
    return next;
  }

  private Future<String> rotateNow() {
    long created = KeyFiles.nextCreation(ring, clock);
    return vertx.executeBlocking(() -> KeyFiles.create(config.keysDir(), alg, created)).compose(key -> {
      ring = ring.with(key);
      log.info("Key rotated: kid={} signs from now on", key.kid());
      Metrics.of(vertx).keyRotated();
      return retireExpired().map(v -> {
        vertx.eventBus().publish(Addresses.JWKS_CHANGED, ring.publicJwks());
        return key.kid();
      });
    });
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

  private void replySigningKey(Message<JsonObject> msg) {
    KeyEntry active = ring.active();
    msg.reply(new JsonObject()
        .put("kid", active.kid())
        .put("alg", active.alg().name())
        .put("pkcs8", Base64.getEncoder().encodeToString(active.privateKey().getEncoded())));
  }
}
