package dev.jwtauth.ops;

import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.micrometer.MicrometerMetricsFactory;

/**
 * vertx-micrometer's metrics, made safe for connections that Vert.x accepted before it created
 * the server's metrics.
 *
 * <p>Why (issue 10, item 7): in vertx-core 5.0.x a TCP server creates its metrics in the listener
 * of the bind future ({@code NetServerImpl.bind}), which Netty may run only after the acceptor
 * thread has already accepted the connections waiting in the backlog. Such a connection gets no
 * socket metric ({@code getMetrics()} was still null when it was set up), but its HTTP pipeline,
 * configured when its first bytes arrive (after the HTTP/1-or-h2c detection), finds the metrics
 * by then and calls {@code requestBegin(null, …)}; Micrometer's {@code VertxHttpServerMetrics}
 * dereferences the null ({@code Cannot read field "tags" because "socketMetric" is null}), the
 * request is never dispatched, and the client waits for ever on an open connection. This wrapper
 * leaves such a connection unmetered instead: every callback with a null socket or request metric
 * is skipped, so the request is served normally.
 */
public final class SafeMetricsFactory implements VertxMetricsFactory {
  private final MicrometerMetricsFactory micrometer = new MicrometerMetricsFactory();

  @Override
  public VertxMetrics metrics(VertxOptions options) {
    return new SafeVertxMetrics(micrometer.metrics(options));
  }

  @Override
  public MetricsOptions newOptions() {
    return micrometer.newOptions();
  }

  @Override
  public MetricsOptions newOptions(MetricsOptions options) {
    return micrometer.newOptions(options);
  }

  @Override
  public MetricsOptions newOptions(JsonObject json) {
    return micrometer.newOptions(json);
  }

  /** Micrometer's {@link VertxMetrics}, with the server-side TCP and HTTP metrics wrapped. */
  static final class SafeVertxMetrics implements VertxMetrics {
    private final VertxMetrics delegate;

    SafeVertxMetrics(VertxMetrics delegate) {
      this.delegate = delegate;
    }

    @Override
    public EventBusMetrics createEventBusMetrics() {
      return delegate.createEventBusMetrics();
    }

    @Override
    public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
      HttpServerMetrics<?, ?, ?> m = delegate.createHttpServerMetrics(options, localAddress);
      return m == null ? null : new SafeHttpServerMetrics<>(m);
    }

    @Override
    public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
      return delegate.createClientMetrics(remoteAddress, type, namespace);
    }

    @Override
    public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
      return delegate.createHttpClientMetrics(options);
    }

    @Override
    public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress localAddress) {
      TCPMetrics<?> m = delegate.createNetServerMetrics(options, localAddress);
      return m == null ? null : new SafeTcpMetrics<>(m);
    }

    @Override
    public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
      return delegate.createNetClientMetrics(options);
    }

    @Override
    public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
      return delegate.createDatagramSocketMetrics(options);
    }

    @Override
    public PoolMetrics<?, ?> createPoolMetrics(String type, String name, int maxSize) {
      return delegate.createPoolMetrics(type, name, maxSize);
    }

    @Override
    public void vertxCreated(io.vertx.core.Vertx vertx) {
      delegate.vertxCreated(vertx);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  /** Server TCP metrics that ignore a connection without a socket metric. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static class SafeTcpMetrics<S> implements TCPMetrics<S> {
    private final TCPMetrics delegate;

    SafeTcpMetrics(TCPMetrics<?> delegate) {
      this.delegate = delegate;
    }

    @Override
    public S connected(SocketAddress remoteAddress, String remoteName) {
      return (S) delegate.connected(remoteAddress, remoteName);
    }

    @Override
    public void disconnected(S socketMetric, SocketAddress remoteAddress) {
      if (socketMetric != null) {
        delegate.disconnected(socketMetric, remoteAddress);
      }
    }

    @Override
    public void bytesRead(S socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
      if (socketMetric != null) {
        delegate.bytesRead(socketMetric, remoteAddress, numberOfBytes);
      }
    }

    @Override
    public void bytesWritten(S socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
      if (socketMetric != null) {
        delegate.bytesWritten(socketMetric, remoteAddress, numberOfBytes);
      }
    }

    @Override
    public void exceptionOccurred(S socketMetric, SocketAddress remoteAddress, Throwable t) {
      if (socketMetric != null) {
        delegate.exceptionOccurred(socketMetric, remoteAddress, t);
      }
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  /**
   * Server HTTP metrics that skip a request on a connection without a socket metric (its request
   * metric is then null too, and so are the callbacks that would receive it).
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  static final class SafeHttpServerMetrics<R, W, S> extends SafeTcpMetrics<S> implements HttpServerMetrics<R, W, S> {
    private final HttpServerMetrics delegate;

    SafeHttpServerMetrics(HttpServerMetrics<?, ?, ?> delegate) {
      super(delegate);
      this.delegate = delegate;
    }

    @Override
    public R requestBegin(S socketMetric, HttpRequest request) {
      return socketMetric == null ? null : (R) delegate.requestBegin(socketMetric, request);
    }

    @Override
    public void requestEnd(R requestMetric, HttpRequest request, long bytesRead) {
      if (requestMetric != null) {
        delegate.requestEnd(requestMetric, request, bytesRead);
      }
    }

    @Override
    public void requestReset(R requestMetric) {
      if (requestMetric != null) {
        delegate.requestReset(requestMetric);
      }
    }

    @Override
    public void responseBegin(R requestMetric, HttpResponse response) {
      if (requestMetric != null) {
        delegate.responseBegin(requestMetric, response);
      }
    }

    @Override
    public R responsePushed(S socketMetric, HttpMethod method, String uri, HttpResponse response) {
      return socketMetric == null ? null : (R) delegate.responsePushed(socketMetric, method, uri, response);
    }

    @Override
    public void responseEnd(R requestMetric, HttpResponse response, long bytesWritten) {
      if (requestMetric != null) {
        delegate.responseEnd(requestMetric, response, bytesWritten);
      }
    }

    @Override
    public W connected(S socketMetric, R requestMetric, ServerWebSocket serverWebSocket) {
      return socketMetric == null || requestMetric == null ? null
          : (W) delegate.connected(socketMetric, requestMetric, serverWebSocket);
    }

    @Override
    public void disconnected(W serverWebSocketMetric) {
      if (serverWebSocketMetric != null) {
        delegate.disconnected(serverWebSocketMetric);
      }
    }

    @Override
    public void requestRouted(R requestMetric, String route) {
      if (requestMetric != null) {
        delegate.requestRouted(requestMetric, route);
      }
    }
  }
}
