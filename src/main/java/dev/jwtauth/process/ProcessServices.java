package dev.jwtauth.process;

import dev.jwtauth.verifier.VerifiedTokens;
import dev.jwtauth.bus.Addresses;
import dev.jwtauth.clients.ClientCache;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.feed.RevocationFeed;
import dev.jwtauth.mfa.TotpKey;
import dev.jwtauth.verifier.RevocationFeedClient;
import dev.jwtauth.ops.Audit;
import dev.jwtauth.tokens.DpopNonces;
import dev.jwtauth.tokens.DpopProofs;
import dev.jwtauth.tokens.RefreshTokens;
import dev.jwtauth.tokens.RevocationSet;
import dev.jwtauth.tokens.Revocations;
import dev.jwtauth.tokens.TokenVerifier;
import dev.jwtauth.users.LoginFailures;
import dev.jwtauth.users.PasswordHasher;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What a process has once, however many verticle instances it runs: the revocation set with its
 * bus subscription, pruning and periodic resync; the verified-token cache shared by every verifier;
 * the DPoP proof checker with its replay cache;
 * the password hasher and its worker pool; the in-memory login limits ({@link LoginGuards}); the
 * audit store and the database pruning. Verticle instances keep only their routes and handlers. Built by the launcher
 * before any verticle is deployed, on the launcher's thread (the hasher's dummy hash is computed
 * there, never on an event loop).
 */
public final class ProcessServices {
  private static final Logger log = LoggerFactory.getLogger(ProcessServices.class);
  /**
   * How often every process re-reads the revocations in force: a member that missed a publish (a
   * network blip, a partition) heals within this bound.
   */
  public static final Duration RESYNC = Duration.ofSeconds(15);
  private static final long PRUNE_MILLIS = 10 * 60_000;

  private final Vertx vertx;
  private final AppConfig config;
  private final Clock clock;
  private final RevocationSet revoked;
  private final VerifiedTokens verified;
  private final WorkerExecutor hashWorkers;
  private final PasswordHasher hasher;
  private final LoginGuards guards;
  private final TotpKey totpKey;
  private final RevocationFeed feed;
  private final DpopProofs dpopProofs;
  private RevocationFeedClient feedClient;
  private final List<Long> timers = new ArrayList<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  /** Audit events being written: a graceful shutdown waits for them before the pool closes. */
  private final Set<Future<Void>> auditWrites = ConcurrentHashMap.newKeySet();
  private ClientCache clientCache;

  private ProcessServices(Vertx vertx, AppConfig config, Clock clock) {
    this.vertx = vertx;
    this.config = config;
    this.clock = clock;
    this.revoked = RevocationSet.shared(vertx, clock);
    this.verified = TokenVerifier.newCache(config.verifyCacheSize(), clock);
    this.dpopProofs = new DpopProofs(clock, config.dpopProofWindow(), config.clockLeeway(),
        config.dpopNonce() ? new DpopNonces(config.dpopProofWindow(), clock) : null);
    if (config.runsAuth()) {
      this.hashWorkers = vertx.createSharedWorkerExecutor("argon2", config.effectiveHashWorkers(), 60, TimeUnit.SECONDS);
      this.hasher = new PasswordHasher(hashWorkers, config.argon2MemoryKib(), config.argon2Iterations(),
          config.argon2Parallelism());
      this.guards = LoginGuards.of(config);
      this.totpKey = TotpKey.loadOrCreate(config.keysDir());
      this.feed = new RevocationFeed(vertx, config.revocationFeedMaxStreams());
    } else {
      this.hashWorkers = null;
      this.hasher = null;
      this.guards = null;
      this.totpKey = null;
      this.feed = null;
    }
  }

  /**
   * Builds the services of this process and loads the revocations in force. With the auth role
   * they come from PostgreSQL ({@code pool}); a resource-only member asks the cluster and waits until
   * an auth member answers (a verifier that missed a revocation would accept a revoked token); a
   * resource-only process outside the cluster follows the auth server's revocation feed when it has
   * its client credentials (in the background: {@link #revocationsSynced()} tells when the first
   * snapshot is in), else has no source. Call from the launcher's thread.
   *
   * @param pool  the shared pool of the auth role, or null
   * @param pgUri its database (the client cache listens there for client changes), or null
   */
  public static Future<ProcessServices> start(Vertx vertx, AppConfig config, Clock clock, Pool pool, String pgUri) {
    ProcessServices s = new ProcessServices(vertx, config, clock);
    Future<Void> clients = pool == null ? Future.succeededFuture()
        : ClientCache.start(vertx, pgUri, pool).onSuccess(c -> s.clientCache = c).mapEmpty();
    // the client cache's listening connection is made while the revocations load
    Future<Void> revocations = s.subscribe(pool);
    return Future.all(clients, revocations).map(s);
  }

  private Future<Void> subscribe(Pool pool) {
    var bus = vertx.eventBus();
    // Subscribe before loading, so a revocation published meanwhile is not missed.
    // One subscription per process: the set, and the revocation feed's streams when this process serves it.
    consumers.add(bus.<JsonObject>consumer(Addresses.TOKEN_REVOKED, msg -> {
      revoked.add(msg.body());
      if (feed != null) {
        feed.publish(msg.body());
      }
    }));
    timers.add(vertx.setPeriodic(60_000, t -> revoked.prune(config.clockLeeway().toSeconds())));
    Revocations revocations = pool == null ? null : new Revocations(vertx, pool, clock);
    if (pool != null) {
      RefreshTokens refreshTokens = new RefreshTokens(pool, config.refreshTokenTtl(), config.refreshGrace(), clock);
      LoginFailures loginFailures = new LoginFailures(pool, guards.policy());
      dev.jwtauth.oidc.AuthorizationStore codeFlow = new dev.jwtauth.oidc.AuthorizationStore(pool, clock);
      consumers.add(bus.<JsonObject>consumer(Addresses.AUDIT_RECORD, msg -> {
        Future<Void> write = Audit.store(pool, msg.body());
        auditWrites.add(write);
        write.onComplete(ar -> auditWrites.remove(write));
      }));
      timers.add(vertx.setPeriodic(PRUNE_MILLIS, t -> revocations.prune().compose(n -> refreshTokens.prune()).compose(n -> loginFailures.prune())
          .compose(n -> codeFlow.prune())
          .compose(n -> Audit.prune(pool, clock.instant().minus(config.auditRetention())))
          .onFailure(err -> log.debug("prune skipped: {}", err.getMessage()))));
    }
    boolean hasSource = pool != null || config.cluster();
    Future<Void> registered = Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
    if (!hasSource) {
      if (config.revocationFeedUri() != null) {
        feedClient = new RevocationFeedClient(vertx, config.revocationFeedUri(), config.revocationFeedClientId(),
            config.revocationFeedClientSecret(), revoked);
        feedClient.start();
      }
      return registered;
    }
    timers.add(vertx.setPeriodic(RESYNC.toMillis(), t -> load(revocations)
        .onFailure(err -> log.debug("revocation resync skipped: {}", err.getMessage()))));
    return registered.compose(v -> revocations != null ? load(revocations) : loadFromCluster());
  }

  private Future<Void> load(Revocations revocations) {
    Future<JsonObject> list = revocations != null ? revocations.active()
        : vertx.eventBus().<JsonObject>request(Addresses.REVOCATIONS_GET, new JsonObject(),
            new DeliveryOptions().setSendTimeout(10_000)).map(msg -> msg.body());
    return list.onSuccess(revoked::addAll).mapEmpty();
  }

  private Future<Void> loadFromCluster() {
    return load(null).recover(err -> {
      log.warn("revocation list not available yet ({}); retrying", err.getMessage());
      Promise<Void> retry = Promise.promise();
      vertx.setTimer(1_000, t -> loadFromCluster().onComplete(retry));
      return retry.future();
    });
  }

  /** The process's revocation set, checked by every verifier on every request. */
  public RevocationSet revoked() {
    return revoked;
  }

  /**
   * Whether this process's revocation set is complete enough to verify tokens: false only for a
   * resource-only process following the revocation feed until its first snapshot arrives.
   */
  public boolean revocationsSynced() {
    return feedClient == null || feedClient.synced();
  }

  /** The revocation feed's streams served by this process (auth role), or null. */
  public RevocationFeed revocationFeed() {
    return feed;
  }

  /**
   * First step of a shutdown: ends the revocation feed's streams (each would otherwise hold the
   * grace period to its end; their subscribers reconnect to another auth process) and refuses new ones.
   */
  public void drain() {
    if (feed != null) {
      feed.closeAll();
    }
  }

  /** The verified-token cache shared by every verifier of the process, or null when VERIFY_CACHE_SIZE is 0. */
  public VerifiedTokens verifiedTokens() {
    return verified;
  }

  /** A verifier for one verticle instance: its own {@code JWTAuth}, the process's set and cache. */
  public TokenVerifier verifier(java.util.function.Supplier<Future<JsonObject>> keySource) {
    return new TokenVerifier(vertx, config.issuer(), config.audience(), (int) config.clockLeeway().toSeconds(),
        clock, revoked, keySource, verified);
  }

  /** The registered clients kept in memory, invalidated by the database on every change (auth role only). */
  public ClientCache clientCache() {
    return clientCache;
  }

  /**
   * The DPoP proof checker of the process, shared by every event loop of both roles: one replay
   * cache of proof {@code jti}s (a proof is accepted once per process) and one nonce secret.
   */
  public DpopProofs dpopProofs() {
    return dpopProofs;
  }

  /** The argon2id hasher on the process's worker pool (auth role only). */
  public PasswordHasher hasher() {
    return hasher;
  }

  /** The login limits kept in memory, shared by every issuer instance (auth role only). */
  public LoginGuards guards() {
    return guards;
  }

  /** The key of the TOTP secrets at rest, {@code KEYS_DIR/totp.key} (auth role only). */
  public TotpKey totpKey() {
    return totpKey;
  }

  /** Stops the timers and consumers and closes the hash workers. */
  public Future<Void> close() {
    timers.forEach(vertx::cancelTimer);
    List<Future<?>> done = new ArrayList<>();
    // the audit events of the last requests (a logout's, say) are stored before the pool closes
    done.add(Future.join(List.copyOf(auditWrites)));
    consumers.forEach(c -> done.add(c.unregister()));
    if (hashWorkers != null) {
      done.add(hashWorkers.close());
    }
    if (feedClient != null) {
      done.add(feedClient.close());
    }
    if (clientCache != null) {
      done.add(clientCache.close());
    }
    return Future.join(done).mapEmpty();
  }
}
