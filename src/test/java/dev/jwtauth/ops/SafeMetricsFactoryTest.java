package dev.jwtauth.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.MultiMap;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Server metrics survive a connection accepted before they existed (issue 10 item 7)")
class SafeMetricsFactoryTest {
  private static final SocketAddress LOCAL = SocketAddress.inetSocketAddress(8080, "127.0.0.1");
  private static final SocketAddress REMOTE = SocketAddress.inetSocketAddress(40000, "127.0.0.1");
  private final String registryName = "safe-metrics-" + UUID.randomUUID();
  private VertxMetrics metrics;

  private VertxOptions options() {
    return new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
        .setRegistryName(registryName).setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
  }

  @AfterEach
  void close() {
    if (metrics != null) {
      metrics.close();
    }
    BackendRegistries.stop(registryName);
  }

  @Test
  @DisplayName("Micrometer alone throws on a request whose connection has no socket metric: the request was never served")
  void micrometerAloneThrows() {
    metrics = new MicrometerMetricsFactory().metrics(options());
    @SuppressWarnings("unchecked")
    var http = (HttpServerMetrics<Object, Object, Object>) metrics.createHttpServerMetrics(new HttpServerOptions(), LOCAL);
    assertThatThrownBy(() -> http.requestBegin(null, request()))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("socketMetric");
  }

  @Test
  @DisplayName("with SafeMetricsFactory such a request passes unmetered, and a normal one is still counted")
  void safeFactorySkipsOnlyTheUnmeteredConnection() {
    metrics = new SafeMetricsFactory().metrics(options());
    @SuppressWarnings("unchecked")
    var http = (HttpServerMetrics<Object, Object, Object>) metrics.createHttpServerMetrics(new HttpServerOptions(), LOCAL);

    Object orphan = http.requestBegin(null, request());
    assertThat(orphan).isNull();
    http.responseBegin(orphan, response());
    http.requestEnd(orphan, request(), 0);
    http.responseEnd(orphan, response(), 10);
    http.bytesRead(null, REMOTE, 100);
    http.bytesWritten(null, REMOTE, 100);
    http.disconnected(null, REMOTE);

    Object socket = http.connected(REMOTE, "client");
    Object req = http.requestBegin(socket, request());
    http.requestEnd(req, request(), 0);
    http.responseBegin(req, response());
    http.responseEnd(req, response(), 10);
    http.disconnected(socket, REMOTE);

    MeterRegistry registry = BackendRegistries.getNow(registryName);
    assertThat(registry.find("vertx.http.server.requests").counters())
        .as("meters %s", registry.getMeters().stream().map(m -> m.getId().toString()).toList())
        .extracting(io.micrometer.core.instrument.Counter::count).containsExactly(1.0);
  }

  private static HttpRequest request() {
    return new HttpRequest() {
      public int id() {
        return 1;
      }

      public String uri() {
        return "/.well-known/jwks.json";
      }

      public String absoluteURI() {
        return "http://127.0.0.1:8080/.well-known/jwks.json";
      }

      public HttpMethod method() {
        return HttpMethod.GET;
      }

      public MultiMap headers() {
        return MultiMap.caseInsensitiveMultiMap();
      }

      public SocketAddress remoteAddress() {
        return REMOTE;
      }
    };
  }

  private static HttpResponse response() {
    return new HttpResponse() {
      public int statusCode() {
        return 200;
      }

      public MultiMap headers() {
        return MultiMap.caseInsensitiveMultiMap();
      }
    };
  }
}
