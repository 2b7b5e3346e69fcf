package dev.jwtauth.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;

import java.util.List;

/**
 * The server's own counters, next to Vert.x's HTTP, event-bus and pool metrics in the same
 * Micrometer registry (scraped at {@code GET /metrics}). One per Vert.x instance, found with
 * {@link #of(Vertx)}.
 */
public final class Metrics implements Shareable {
  private static final String MAP = "jwt-auth-server";
  private static final String KEY = "metrics";
  private final MeterRegistry registry;
  private final String registryName;

  /**
   * @param registry     the Micrometer registry (Vert.x's own meters are in it too)
   * @param registryName its name in vertx-micrometer's BackendRegistries (for the scraping handler)
   */
  public Metrics(MeterRegistry registry, String registryName) {
    this.registry = registry;
    this.registryName = registryName;
  }

  /** The registry's name, for {@code PrometheusScrapingHandler.create(name)}; null when not scrapeable. */
  public String registryName() {
    return registryName;
  }

  /** Registers this instance for {@code vertx}. */
  public void install(Vertx vertx) {
    vertx.sharedData().getLocalMap(MAP).put(KEY, this);
  }

  /** The metrics of {@code vertx}, or a private no-op registry when none was installed (unit tests). */
  public static Metrics of(Vertx vertx) {
    Object m = vertx == null ? null : vertx.sharedData().getLocalMap(MAP).get(KEY);
    return m instanceof Metrics metrics ? metrics : new Metrics(new SimpleMeterRegistry(), null);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Binds the JVM's meters (class loading, JIT, GC, heap pressure, memory, threads, processor,
   * uptime, JVM info: the set vertx-micrometer binds with {@code jvmMetricsEnabled}) and answers
   * what unbinds them. The server binds them itself once it is ready: done inside Vert.x's start they
   * held the start-up's critical path for about 60 ms (their JMX beans load cold).
   */
  public AutoCloseable bindJvmMetrics() {
    List<MeterBinder> binders = List.of(new ClassLoaderMetrics(), new JvmCompilationMetrics(), new JvmGcMetrics(),
        new JvmHeapPressureMetrics(), new JvmInfoMetrics(), new JvmMemoryMetrics(), new JvmThreadMetrics(),
        new ProcessorMetrics(), new UptimeMetrics());
    binders.forEach(b -> b.bindTo(registry));
    return () -> {
      for (MeterBinder b : binders) {
        if (b instanceof AutoCloseable closeable) {
          closeable.close();
        }
      }
    };
  }

  /** A login attempt: success, failure, locked (429), busy (503, hash queue full), error. */
  public void login(String outcome) {
    registry.counter("auth.logins", "outcome", outcome).increment();
  }

  /** An access token issued, by grant: password, refresh_token, client_credentials, event_bus. */
  public void issued(String grant) {
    registry.counter("auth.tokens.issued", "grant", grant).increment();
  }

  /** A refresh attempt: rotated, reused (family revoked), invalid. */
  public void refresh(String outcome) {
    registry.counter("auth.refreshes", "outcome", outcome).increment();
  }

  /** A revocation stored: jti or sid. */
  public void revocation(String kind) {
    registry.counter("auth.revocations", "kind", kind).increment();
  }

  /** A token rejected by a verifier, by reason (expired, revoked, bad signature, …). */
  public void rejected(String reason) {
    registry.counter("auth.validation.failures", "reason", reason).increment();
  }

  /** The crypto provider chosen at start: gauge {@code jwt_crypto_provider{provider,version}} = 1. */
  public void cryptoProvider(String provider, String version) {
    Gauge.builder("jwt.crypto.provider", () -> 1)
        .description("The provider that makes and checks signatures (1 for the one in use)")
        .tag("provider", provider).tag("version", version)
        .register(registry);
  }

  /** A key rotation. */
  public void keyRotated() {
    registry.counter("auth.keys.rotations").increment();
  }
}
