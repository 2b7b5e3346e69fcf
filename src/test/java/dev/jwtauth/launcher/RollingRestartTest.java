package dev.jwtauth.launcher;

import dev.jwtauth.testsupport.ServerProcess;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13, item 5: a rolling restart of two resource members under a steady load loses no request
 * that a load balancer would retry. The balancer is a small proxy in the test that does what one
 * does: round-robin over the members whose {@code /ready} answered 200 at its last check (every
 * 100 ms, like a readiness probe), and a request that failed before any response came back
 * (connection refused, reset or closed: the member never answered it) is sent to the next member,
 * not back to the one that just failed.
 * A response that is an error (5xx), or one cut after its headers, is not retried: it fails the test.
 */
@Tag("slow")
@DisplayName("Rolling restart: SIGTERM and restart each of two resource members under load; no request is lost")
class RollingRestartTest {
  private static final Logger log = LoggerFactory.getLogger(RollingRestartTest.class);
  private static final int CLIENTS = 4;
  /** Each client's pause between requests: a steady load that leaves the shared cores room to restart a JVM. */
  private static final long PAUSE_MILLIS = 5;
  private static final int MAX_ATTEMPTS = 4;

  /** One member behind the proxy: its port and whether its last readiness check answered 200. */
  private static final class Backend {
    final int port;
    volatile boolean ready;
    final LongAdder served = new LongAdder();

    Backend(int port) {
      this.port = port;
    }
  }

  /** The load balancer: round-robin over ready members, retrying requests no member answered. */
  private static final class Balancer {
    final List<Backend> backends;
    final HttpClient client;
    final HttpClient checks;
    final AtomicInteger next = new AtomicInteger();
    final LongAdder retries = new LongAdder();
    final LongAdder cut = new LongAdder();
    final LongAdder unavailable = new LongAdder();
    final Map<String, LongAdder> retryCauses = new ConcurrentHashMap<>();
    HttpServer server;

    Balancer(Vertx vertx, List<Backend> backends) {
      this.backends = backends;
      // keep-alive connections to the members, as a balancer keeps them
      this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setConnectTimeout(1_000)
          .setIdleTimeout(30), new PoolOptions().setHttp1MaxSize(CLIENTS));
      this.checks = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setConnectTimeout(500));
      vertx.setPeriodic(100, t -> backends.forEach(b -> checks.request(HttpMethod.GET, b.port, "127.0.0.1", "/ready")
          .compose(req -> req.send()).compose(res -> res.body().map(res.statusCode()))
          .onComplete(ar -> b.ready = ar.succeeded() && ar.result() == 200)));
      this.server = vertx.createHttpServer().requestHandler(this::forward);
    }

    int listen() {
      return server.listen(0, "127.0.0.1").await().actualPort();
    }

    /**
     * The next ready member in round-robin order, other than {@code failed} (the member a retried
     * request got no answer from, as nginx's {@code proxy_next_upstream} moves on) unless it is the
     * only one ready; null when none is.
     */
    private Backend pick(Backend failed) {
      Backend fallback = null;
      for (int i = 0; i < backends.size(); i++) {
        Backend b = backends.get(Math.floorMod(next.getAndIncrement(), backends.size()));
        if (b.ready && b != failed) {
          return b;
        }
        if (b.ready) {
          fallback = b;
        }
      }
      return fallback;
    }

    private void forward(HttpServerRequest req) {
      attempt(req, req.headers().copy(), 1, null);
    }

    private void attempt(HttpServerRequest req, MultiMap headers, int attempt, Backend failed) {
      Backend b = pick(failed);
      if (b == null || attempt > MAX_ATTEMPTS) {
        unavailable.increment();
        req.response().setStatusCode(502).end();
        return;
      }
      headers.remove(HttpHeaders.CONNECTION);
      client.request(new RequestOptions().setMethod(req.method()).setHost("127.0.0.1").setPort(b.port)
              .setURI(req.uri()).setHeaders(headers))
          .compose(r -> r.send())
          .onComplete(ar -> {
            if (ar.failed()) {
              // nothing came back from this member: it never answered, so try the next one
              retries.increment();
              retryCauses.computeIfAbsent(ar.cause().getClass().getSimpleName(), k -> new LongAdder()).increment();
              attempt(req, headers, attempt + 1, b);
              return;
            }
            HttpClientResponse res = ar.result();
            res.body().onComplete(body -> {
              if (body.failed()) {
                // a response cut after its headers: a balancer cannot tell what happened, so neither do we
                cut.increment();
                req.connection().close();
                return;
              }
              b.served.increment();
              req.response().setStatusCode(res.statusCode());
              String type = res.getHeader(HttpHeaders.CONTENT_TYPE);
              if (type != null) {
                req.response().putHeader(HttpHeaders.CONTENT_TYPE, type);
              }
              req.response().end(body.result());
            });
          });
    }
  }

  /** Steady load: {@link #CLIENTS} loops of GET /api/me through the balancer, each outcome counted. */
  private static final class Load {
    final AtomicBoolean running = new AtomicBoolean(true);
    final LongAdder ok = new LongAdder();
    final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    final AtomicInteger loops = new AtomicInteger();

    Load(Vertx vertx, WebClient web, int port, String token) {
      for (int i = 0; i < CLIENTS; i++) {
        loops.incrementAndGet();
        loop(vertx, web, port, token);
      }
    }

    private void loop(Vertx vertx, WebClient web, int port, String token) {
      if (!running.get()) {
        loops.decrementAndGet();
        return;
      }
      web.get(port, "127.0.0.1", "/api/me").putHeader("Authorization", "Bearer " + token).send()
          .onComplete(ar -> {
            if (ar.succeeded() && ar.result().statusCode() == 200
                && ar.result().bodyAsJsonObject().getString("username").equals("admin")) {
              ok.increment();
            } else {
              String what = ar.failed() ? ar.cause().getClass().getSimpleName() + ": " + ar.cause().getMessage()
                  : "status " + ar.result().statusCode();
              failures.computeIfAbsent(what, k -> new LongAdder()).increment();
            }
            vertx.setTimer(PAUSE_MILLIS, t -> loop(vertx, web, port, token));
          });
    }

    long okNow() {
      return ok.sum();
    }

    Future<Void> stop(Vertx vertx) {
      running.set(false);
      return Future.future(p -> vertx.setPeriodic(20, t -> {
        if (loops.get() == 0) {
          vertx.cancelTimer(t);
          p.complete();
        }
      }));
    }
  }

  @Test
  @DisplayName("both members SIGTERMed and restarted in turn under load: every request answered 200, none cut or failed")
  void rollingRestart() throws Exception {
    Vertx vertx = Vertx.vertx();
    Backend b1 = new Backend(TestServer.freePort());
    Backend b2 = new Backend(TestServer.freePort());
    try (TestServer auth = TestServer.start();
         ServerProcess m1 = resourceMember(auth, "member-1.log", b1.port);
         ServerProcess m2 = resourceMember(auth, "member-2.log", b2.port)) {
      Balancer balancer = new Balancer(vertx, List.of(b1, b2));
      int proxy = balancer.listen();
      String token = auth.adminToken();
      WebClient web = WebClient.create(vertx);
      awaitUntil(vertx, () -> {
        assertThat(m1.isAlive() && m2.isAlive()).as("both members run; logs:\n" + m1.logText() + m2.logText()).isTrue();
        return b1.ready && b2.ready;
      }, "both members ready at the balancer");

      Load load = new Load(vertx, web, proxy, token);
      long t0 = System.nanoTime();
      for (var step : List.of(Map.entry(m1, b1), Map.entry(m2, b2))) {
        ServerProcess member = step.getKey();
        Backend backend = step.getValue();
        long before = load.okNow();
        awaitUntil(vertx, () -> load.okNow() > before + 200, "steady load before the restart");
        member.stop(); // SIGTERM; returns once the process has exited
        long whileDown = load.okNow();
        member.restart();
        // a JVM start on two busy shared cores can take long: wait for the balancer to see it ready
        awaitUntil(vertx, () -> {
          assertThat(member.isAlive()).as("the restarted member runs; log:\n" + member.logText()).isTrue();
          return backend.ready;
        }, "the restarted member ready");
        assertThat(load.okNow()).as("requests were served while the member was down").isGreaterThan(whileDown);
        long served = backend.served.sum();
        awaitUntil(vertx, () -> backend.served.sum() > served + 50, "the restarted member serves again");
      }
      load.stop(vertx).await();
      long millis = (System.nanoTime() - t0) / 1_000_000;

      log.info("ROLLING RESTART: {} requests answered 200 in {} ms through the balancer ({} retried on another member"
              + " after the first got no answer: {}; member 1 served {}, member 2 served {}); failures {}",
          load.ok.sum(), millis, balancer.retries.sum(), balancer.retryCauses, b1.served.sum(), b2.served.sum(),
          load.failures);
      assertThat(load.failures).as("requests that failed at the client").isEmpty();
      assertThat(balancer.cut.sum()).as("responses cut after their headers").isZero();
      assertThat(balancer.unavailable.sum()).as("requests no member answered within " + MAX_ATTEMPTS + " attempts").isZero();
      assertThat(m1.logText()).contains("HTTP servers stopped after");
      assertThat(m2.logText()).contains("HTTP servers stopped after");
    } finally {
      vertx.close().await();
    }
  }

  /** A resource-only member that fetches the keys from the auth server's JWKS over HTTP. */
  private static ServerProcess resourceMember(TestServer auth, String logName, int port) {
    return ServerProcess.in(TestServer.tempDir("rolling")).log(logName).jvmArgs("-Xmx128m", "-XX:+UseSerialGC")
        .env("ROLES", "resource")
        .env("JWKS_URI", "http://127.0.0.1:" + auth.authPort() + "/.well-known/jwks.json")
        .env("RESOURCE_HTTP_PORT", port).env("AUTH_HTTP_PORT", TestServer.freePort())
        .env("MANAGEMENT_HTTP_PORT", 0).env("VERTICLE_INSTANCES", 1).env("SHUTDOWN_GRACE", 10)
        .start();
  }

  private static void awaitUntil(Vertx vertx, java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what + " within 180 s").isLessThan(deadline);
      vertx.timer(20).await();
    }
  }
}
