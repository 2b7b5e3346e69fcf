package dev.jwtauth.launcher;

import dev.jwtauth.bus.ClusterCredentials;
import dev.jwtauth.bus.KeySetSeal;
import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.db.Database;
import dev.jwtauth.db.EmbeddedDatabase;
import dev.jwtauth.db.Migrations;
import dev.jwtauth.demo.DemoClient;
import dev.jwtauth.http.Servers;
import dev.jwtauth.issuer.IssuerVerticle;
import dev.jwtauth.keys.KeyManagerVerticle;
import dev.jwtauth.ops.ManagementVerticle;
import dev.jwtauth.keys.CryptoProvider;
import dev.jwtauth.ops.Metrics;
import dev.jwtauth.ops.SafeMetricsFactory;
import dev.jwtauth.ops.Readiness;
import io.vertx.core.Future;
import dev.jwtauth.process.ProcessServices;
import dev.jwtauth.resource.ResourceVerticle;
import dev.jwtauth.users.Argon2Engine;
import dev.jwtauth.users.PasswordHasher;
import dev.jwtauth.users.UserRepository;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.ext.web.Route;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One running server: Vert.x, the database (embedded unless {@code PG_URI} is set), migrations,
 * the bootstrap admin, and the verticles of the configured roles. {@link #start} and
 * {@link #close} block: call them from {@code main} or a test thread.
 */
public final class App implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(App.class);

  private final Vertx vertx;
  private final EmbeddedDatabase embedded;
  private final AppConfig config;
  private final List<IssuerVerticle> issuers;
  private final List<ResourceVerticle> resources;
  private final int managementPort;
  private final ProcessServices shared;
  private final AutoCloseable jvmMetrics;
  private final AtomicBoolean closing = new AtomicBoolean();

  private App(Vertx vertx, EmbeddedDatabase embedded, AppConfig config, List<IssuerVerticle> issuers,
              List<ResourceVerticle> resources, int managementPort, ProcessServices shared, AutoCloseable jvmMetrics) {
    this.vertx = vertx;
    this.embedded = embedded;
    this.config = config;
    this.issuers = issuers;
    this.resources = resources;
    this.managementPort = managementPort;
    this.shared = shared;
    this.jvmMetrics = jvmMetrics;
  }

  /** Starts with the system clock and a durable embedded database. */
  public static App start(AppConfig cfg) {
    return start(cfg, null);
  }

  /**
   * Same, on {@code local} (from {@link #localVertx}, or null to build one) when not clustered; a
   * clustered server builds its own and {@code local} must be null then.
   */
  public static App start(AppConfig cfg, Vertx local) {
    return start(cfg, Clock.systemUTC(), true, local);
  }

  /**
   * Starts everything or nothing: on failure whatever was started is stopped again and a
   * {@link ConfigException} with one clear sentence is thrown.
   */
  public static App start(AppConfig cfg, Clock clock, boolean durableDatabase) {
    return start(cfg, clock, durableDatabase, null);
  }

  private static App start(AppConfig cfg, Clock clock, boolean durableDatabase, Vertx local) {
    if (local != null && cfg.cluster()) {
      throw new IllegalArgumentException("a clustered server builds its own Vert.x");
    }
    long t0 = System.nanoTime();
    // Loading the native crypto provider and the native argon2 library (each a few hundred ms, most
    // of it class loading and the libraries' self-checks) runs on threads of their own, beside Vert.x's
    // and the database's start-up; both are joined before anything signs or hashes. The provider's
    // was begun at the top of main when the setting was certain (EarlyCrypto).
    Background<CryptoProvider> crypto = EarlyCrypto.selection(cfg.cryptoProvider());
    // only the auth role hashes passwords: a resource-only process does not load the native library
    Background<Argon2Engine> argon2 = cfg.runsAuth()
        ? Background.start("select-argon2", () -> Argon2Engine.select(cfg.argon2Provider(), cfg.effectiveHashWorkers()))
        : null;
    Vertx vertx;
    try {
      vertx = local != null ? local : createVertx(cfg);
    } catch (RuntimeException e) {
      crypto.await();
      if (argon2 != null) {
        argon2.await();
      }
      throw e;
    }
    EmbeddedDatabase embedded = null;
    List<IssuerVerticle> issuers = new CopyOnWriteArrayList<>();
    List<ResourceVerticle> resources = new CopyOnWriteArrayList<>();
    try {
      String uri = cfg.pgUri();
      if (cfg.runsAuth() && cfg.embeddedDatabase()) {
        embedded = EmbeddedDatabase.start(cfg.dataDir(), cfg.embeddedPgPort(), durableDatabase);
        uri = embedded.uri();
      }
      // The key manager needs only the provider: it reads (or makes) the keys while the database
      // is prepared, and is awaited before anything asks it for a key.
      Vertx v = vertx;
      Future<String> keyManager = cfg.runsAuth()
          ? crypto.future().compose(p -> v.deployVerticle(() -> new KeyManagerVerticle(cfg, clock), new DeploymentOptions()))
          : Future.succeededFuture();
      Pool pool = null;
      if (cfg.runsAuth()) {
        pool = prepareDatabase(vertx, cfg, uri, argon2);
      }
      CryptoProvider provider = crypto.await();
      log.info("Crypto provider: {} {} ({})", provider.name(), provider.version(), provider.reason());
      Metrics.of(vertx).cryptoProvider(provider.name(), provider.version());
      // after the provider is chosen: the TLS key is read through it
      Servers.checkTls(vertx, cfg);
      ProcessServices shared = ProcessServices.start(vertx, cfg, clock, pool, uri).await();
      keyManager.await();
      // One after the other, auth then resource then management: a process whose resource port (or
      // management server) answers has its auth port listening too (clients and probes rely on it).
      if (cfg.runsAuth()) {
        String poolUri = uri;
        vertx.deployVerticle(() -> added(issuers, new IssuerVerticle(cfg, poolUri, clock, shared)),
            new DeploymentOptions().setInstances(cfg.effectiveInstances())).await();
      }
      if (cfg.runsResource()) {
        vertx.deployVerticle(() -> added(resources, new ResourceVerticle(cfg, clock, shared)),
            new DeploymentOptions().setInstances(cfg.effectiveInstances())).await();
      }
      int managementPort = -1;
      if (cfg.managementServer()) {
        ManagementVerticle management = new ManagementVerticle(cfg, cfg.runsAuth() ? uri : null);
        vertx.deployVerticle(management).await();
        managementPort = management.actualPort();
      }
      log.info("jwt-auth-server ready in {} ms (roles={}, auth port {}, resource port {}, management {}, database {})",
          (System.nanoTime() - t0) / 1_000_000, cfg.roles(), cfg.authHttpPort(), cfg.resourceHttpPort(),
          managementPort < 0 ? "off" : cfg.managementHttpHost() + ":" + managementPort,
          embedded != null ? "embedded" : "external");
      // serving already: the JVM's meters are bound off the start-up's critical path
      AutoCloseable jvmMetrics = Metrics.of(vertx).bindJvmMetrics();
      return new App(vertx, embedded, cfg, List.copyOf(issuers), List.copyOf(resources), managementPort, shared,
          jvmMetrics);
    } catch (Exception e) {
      // await() rethrows checked causes too (a refused connection), hence Exception
      vertx.close().await();
      if (embedded != null) {
        embedded.close();
      }
      throw asConfigException(e, cfg);
    }
  }

  /**
   * Vert.x with Micrometer metrics (Prometheus), clustered over Hazelcast when {@code CLUSTER=true}.
   * The metrics go through {@link SafeMetricsFactory}: a connection accepted while a server was
   * starting would otherwise never get an answer.
   */
  private static Vertx createVertx(AppConfig cfg) {
    if (!cfg.cluster()) {
      return localVertx();
    }
    String registry = "jwt-auth-server-" + UUID.randomUUID();
    VertxOptions options = vertxOptions(registry);
    var builder = Vertx.builder().with(options).withMetrics(new SafeMetricsFactory());
    Vertx vertx;
    ClusterCredentials credentials = ClusterCredentials.load(cfg.clusterCredentials());
    credentials.secure(options.getEventBusOptions().setHost(cfg.clusterHost()).setPort(0));
    ClusterManager manager = Cluster.manager(cfg, credentials);
    try {
      vertx = builder.withClusterManager(manager).buildClustered().await();
    } catch (Exception e) {
      throw new ConfigException("Cannot join the cluster on " + cfg.clusterHost() + ":" + cfg.clusterPort()
          + " (" + e.getMessage() + "); check CLUSTER_HOST, CLUSTER_PORT, CLUSTER_MEMBERS and CLUSTER_CREDENTIALS.", e);
    }
    KeySetSeal.install(vertx, credentials);
    log.info("Joined cluster '{}' as {}:{} ({} member(s) now; {})", credentials.clusterName(), cfg.clusterHost(),
        cfg.clusterPort(), manager.getNodes().size(), cfg.clusterDiscovery().equals("dns")
            ? "members found by DNS name " + cfg.clusterDnsName() : "listed " + cfg.clusterMembers());
    Cluster.warnIfAlone(vertx, manager, cfg);
    new Metrics(BackendRegistries.getNow(registry), registry).install(vertx);
    return vertx;
  }

  /** A Vert.x of one process (not clustered), with the server's metrics installed. */
  public static Vertx localVertx() {
    String registry = "jwt-auth-server-" + UUID.randomUUID();
    Vertx vertx = Vertx.builder().with(vertxOptions(registry)).withMetrics(new SafeMetricsFactory()).build();
    new Metrics(BackendRegistries.getNow(registry), registry).install(vertx);
    return vertx;
  }

  private static VertxOptions vertxOptions(String registry) {
    return new VertxOptions().setPreferNativeTransport(false)
        .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setRegistryName(registry)
            // bound by start() once the server is ready (Metrics.bindJvmMetrics)
            .setJvmMetricsEnabled(false)
            .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
  }

  private static <T> T added(List<T> instances, T instance) {
    instances.add(instance);
    return instance;
  }

  /**
   * Brings the schema up to date, then creates the first administrator and the demo client when
   * asked: answers the pool, which the process keeps using.
   */
  private static Pool prepareDatabase(Vertx vertx, AppConfig cfg, String uri, Background<Argon2Engine> argon2) {
    Pool pool = Database.pool(vertx, uri, cfg);
    try {
      Migrations.migrate(pool).await();
      log.info("argon2id: {}", argon2.await());
      dev.jwtauth.users.PasswordPolicy.load();
      long users = new UserRepository(pool).count().await();
      if (users == 0) {
        if (cfg.bootstrapAdminPassword() != null) {
          var workers = vertx.createSharedWorkerExecutor("argon2-bootstrap", 1);
          PasswordHasher hasher = new PasswordHasher(workers, cfg.argon2MemoryKib(), cfg.argon2Iterations(),
              cfg.argon2Parallelism());
          String hash = hasher.hash(cfg.bootstrapAdminPassword()).await();
          new UserRepository(pool).create("admin", hash, List.of("admin")).await();
          workers.close();
          log.info("Created user 'admin' with role 'admin' from BOOTSTRAP_ADMIN_PASSWORD");
        } else {
          log.warn("No user exists yet. Restart once with BOOTSTRAP_ADMIN_PASSWORD=<a password of 8+ characters>"
              + " to create user 'admin' (role admin), then create users with POST /admin/users.");
        }
      }
      if (cfg.demoClient()) {
        DemoClient.register(new ClientRepository(pool), cfg).await();
      }
      // the process's pool from here on: its first connection, authenticated once, is kept
      return pool;
    } catch (Throwable e) {
      // await() rethrows checked causes as they are (a refused connection)
      pool.close().await();
      throw e;
    }
  }

  /** Turns a start-up failure into one sentence, without secrets (the PG_URI password is never shown). */
  private static ConfigException asConfigException(Throwable e, AppConfig cfg) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConfigException ce) {
        return ce;
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return new ConfigException("Cannot connect to PostgreSQL at " + describe(cfg) + " (" + t.getMessage()
            + "); check PG_URI and that the server is running.", e);
      }
      if (t instanceof io.vertx.pgclient.PgException pg) {
        return new ConfigException("PostgreSQL at " + describe(cfg) + " refused us: " + pg.getErrorMessage()
            + " (SQLSTATE " + pg.getSqlState() + "); check PG_URI.", e);
      }
    }
    return new ConfigException("Start-up failed: " + e.getMessage(), e);
  }

  private static String describe(AppConfig cfg) {
    if (cfg.pgUri() == null) {
      return "the embedded server";
    }
    try {
      PgConnectOptions o = PgConnectOptions.fromUri(cfg.pgUri());
      return o.getHost() + ":" + o.getPort() + "/" + o.getDatabase();
    } catch (RuntimeException e) {
      return "PG_URI";
    }
  }

  public Vertx vertx() {
    return vertx;
  }

  public AppConfig config() {
    return config;
  }

  /** The routes of the auth origin (every instance routes alike), or none when this process does not run it. */
  public List<Route> authRoutes() {
    return issuers.isEmpty() ? List.of() : issuers.get(0).router().getRoutes();
  }

  /** The routes of the resource origin, or none when this process does not run it. */
  public List<Route> resourceRoutes() {
    return resources.isEmpty() ? List.of() : resources.get(0).router().getRoutes();
  }

  /** The management server's port ({@code /metrics}), or -1 when {@code MANAGEMENT_HTTP_PORT=-1}. */
  public int managementPort() {
    return managementPort;
  }

  /** The embedded database, or null when PG_URI is used (fault tests stop and restart it). */
  public EmbeddedDatabase embeddedDatabase() {
    return embedded;
  }

  /**
   * Graceful shutdown (SIGTERM runs it through the shutdown hook): {@code /ready} answers 503 first,
   * the revocation feed's streams end, the HTTP listeners stop accepting and requests in flight get
   * up to {@code SHUTDOWN_GRACE} to finish; then Vert.x closes (leaving the cluster) and the
   * embedded PostgreSQL stops. Safe to call twice: the second call returns at once.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    long t0 = System.nanoTime();
    try {
      Readiness.markDraining(vertx);
      shared.drain();
      List<Future<Void>> stops = new ArrayList<>();
      issuers.forEach(v -> stops.add(v.shutdown(config.shutdownGrace())));
      resources.forEach(v -> stops.add(v.shutdown(config.shutdownGrace())));
      Future.join(stops).await(config.shutdownGrace().toMillis() + 2_000, TimeUnit.MILLISECONDS);
      shared.close().await(2, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      log.warn("HTTP servers did not stop within SHUTDOWN_GRACE ({} s); closing anyway", config.shutdownGrace().toSeconds());
    } catch (RuntimeException e) {
      log.warn("graceful shutdown incomplete: {}", e.getMessage());
    }
    log.info("HTTP servers stopped after {} ms; leaving", (System.nanoTime() - t0) / 1_000_000);
    try {
      vertx.close().await();
    } finally {
      try {
        jvmMetrics.close();
      } catch (Exception e) {
        log.warn("JVM metrics not unbound: {}", e.getMessage());
      }
      if (embedded != null) {
        embedded.close();
      }
    }
    log.info("jwt-auth-server stopped");
  }

}
