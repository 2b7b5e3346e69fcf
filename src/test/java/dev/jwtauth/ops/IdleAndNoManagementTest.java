package dev.jwtauth.ops;

import dev.jwtauth.testsupport.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("HTTP_IDLE_TIMEOUT closes idle connections; MANAGEMENT_HTTP_PORT=-1 keeps /metrics on the origins")
class IdleAndNoManagementTest {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start(Map.of("HTTP_IDLE_TIMEOUT", 1, "MANAGEMENT_HTTP_PORT", -1));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  @DisplayName("a connection that sends nothing is closed by the server after HTTP_IDLE_TIMEOUT, on both origins")
  void idleConnectionClosed() throws IOException {
    for (int port : new int[] {server.authPort(), server.resourcePort()}) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
        socket.setSoTimeout(10_000);
        long t0 = System.nanoTime();
        InputStream in = socket.getInputStream();
        assertThat(in.read()).as("end of stream from port %d", port).isEqualTo(-1);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(millis).as("closed after (ms)").isBetween(800L, 5_000L);
      }
    }
  }

  @Test
  @DisplayName("a connection in use is not closed: a request after half the timeout is answered on it")
  void activeConnectionKept() throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", server.authPort()), 2_000);
      socket.setSoTimeout(5_000);
      for (int i = 0; i < 3; i++) {
        socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes());
        String head = readHead(socket.getInputStream());
        assertThat(head).startsWith("HTTP/1.1 200");
        server.app().vertx().timer(500).await();
      }
    }
  }

  @Test
  @DisplayName("without a management server, /metrics is served by both origins")
  void metricsOnOrigins() {
    assertThat(server.managementPort()).isEqualTo(-1);
    var auth = server.client.get(server.authPort(), "127.0.0.1", "/metrics").send().await();
    assertThat(auth.statusCode()).isEqualTo(200);
    assertThat(auth.bodyAsString()).contains("vertx_http_server_requests_total");
    assertThat(server.client.get(server.resourcePort(), "127.0.0.1", "/metrics").send().await().statusCode())
        .isEqualTo(200);
  }

  /** Reads one response of /health (headers and its small body). */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int contentLength = -1;
    while (true) {
      int c = in.read();
      if (c < 0) {
        return sb.toString();
      }
      sb.append((char) c);
      if (sb.toString().endsWith("\r\n\r\n")) {
        for (String line : sb.toString().split("\r\n")) {
          if (line.toLowerCase().startsWith("content-length:")) {
            contentLength = Integer.parseInt(line.substring(15).trim());
          }
        }
        in.readNBytes(Math.max(contentLength, 0));
        return sb.toString();
      }
    }
  }
}
