package dev.jwtauth.jwks;

import dev.jwtauth.bus.Addresses;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.keys.KeyEntry;
import dev.jwtauth.keys.KeyFiles;
import dev.jwtauth.keys.KeyRing;
import dev.jwtauth.keys.SigningAlgorithm;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Base64;

/**
 * Owns the signing keys: loads them from {@code KEYS_DIR} (generating the first one), answers
 * {@link Addresses#JWKS_GET} with the public key set, hands the active private key to this
 * process's issuers over the local-only {@link Addresses#SIGNING_KEY_GET}, and publishes
 * {@link Addresses#JWKS_CHANGED} when the set changes. One instance per process.
 */
public final class JwksVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(JwksVerticle.class);
  private final AppConfig config;
  private KeyRing ring;

  public JwksVerticle(AppConfig config) {
    this.config = config;
  }

  @Override
  public Future<?> start() {
    SigningAlgorithm alg = SigningAlgorithm.parse(config.signingAlg());
    return vertx.executeBlocking(() -> KeyFiles.loadOrCreate(config.keysDir(), alg))
        .compose(loaded -> {
          ring = loaded;
          var bus = vertx.eventBus();
          var jwks = bus.<JsonObject>consumer(Addresses.JWKS_GET, msg -> msg.reply(ring.publicJwks()));
          var signing = bus.<JsonObject>localConsumer(Addresses.SIGNING_KEY_GET, this::replySigningKey);
          return Future.all(jwks.completion(), signing.completion());
        })
        .onSuccess(v -> {
          vertx.eventBus().publish(Addresses.JWKS_CHANGED, ring.publicJwks());
          log.info("JWKS ready: {} key(s), active kid={}", ring.all().size(), ring.active().kid());
        });
  }

  private void replySigningKey(Message<JsonObject> msg) {
    KeyEntry active = ring.active();
    msg.reply(new JsonObject()
        .put("kid", active.kid())
        .put("alg", active.alg().name())
        .put("pkcs8", Base64.getEncoder().encodeToString(active.privateKey().getEncoded())));
  }
}
