package dev.jwtauth.ops;

import dev.jwtauth.keys.CryptoProvider;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.spi.cluster.hazelcast.ClusterHealthCheck;

import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /ready} with vertx-health-check: 200 {"status":"UP","checks":[…]} when every check
 * passes, 503 otherwise. A clustered process also checks that it is still in the cluster. Every
 * process has the check {@code accepting}, which fails from the start of a shutdown
 * ({@link #markDraining}), so load balancers stop sending before the listeners close.
 * The {@code crypto} check always passes and carries the crypto provider in its {@code data}.
 */
public final class Readiness {
  private static final long TIMEOUT_MILLIS = 3_000;
  private static final String MAP = "jwt-auth-server.lifecycle";
  private static final String DRAINING = "draining";

  /** Marks this process (this Vert.x instance) as shutting down: {@code /ready} answers 503 from now on. */
  public static void markDraining(Vertx vertx) {
    vertx.sharedData().getLocalMap(MAP).put(DRAINING, Boolean.TRUE);
  }

  /** Whether this process is shutting down. */
  public static boolean draining(Vertx vertx) {
    return Boolean.TRUE.equals(vertx.sharedData().getLocalMap(MAP).get(DRAINING));
  }

  private Readiness() {
  }

  /** Each check passes when its future succeeds. */
  public static Handler<RoutingContext> handler(Vertx vertx, Map<String, Supplier<Future<?>>> checks) {
    HealthChecks health = HealthChecks.create(vertx);
    checks.forEach((name, check) -> health.register(name, TIMEOUT_MILLIS,
        promise -> check.get().onComplete(ar -> promise.complete(ar.succeeded() ? Status.OK() : Status.KO()))));
    health.register("accepting", TIMEOUT_MILLIS,
        promise -> promise.complete(draining(vertx) ? Status.KO() : Status.OK()));
    // always up: it says which provider signs and verifies (CRYPTO_PROVIDER), chosen at start
    health.register("crypto", promise -> promise.complete(Status.OK(CryptoProvider.current().toJson()
        .put("argon2", dev.jwtauth.users.Argon2Engine.current().toJson()))));
    if (vertx.isClustered()) {
      health.register("cluster", TIMEOUT_MILLIS, ClusterHealthCheck.createProcedure(vertx));
    }
    return HealthCheckHandler.createWithHealthChecks(health);
  }
}
