package dev.jwtauth.launcher;

import dev.jwtauth.testsupport.TestServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10 item 7: a request on a connection accepted while the server was starting never got
 * an answer. Threads open a new connection per request to both origins from before start-up
 * until after it, and every request must end with an HTTP status or a refused connection.
 */
@Tag("slow")
@DisplayName("Requests sent while the server starts")
class StartupRaceTest {
  private static final int TIMEOUT_MS = 3_000;

  @Test
  @DisplayName("every request sent during start-up gets an answer (200, 503, or a refused connection), none hangs")
  void everyRequestIsAnswered() throws Exception {
    int authPort = TestServer.freePort();
    int resourcePort = TestServer.freePort();
    AtomicBoolean stop = new AtomicBoolean();
    Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    List<String> unanswered = java.util.Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> loops = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      boolean auth = i % 2 == 0;
      int port = auth ? authPort : resourcePort;
      String path = auth ? "/.well-known/jwks.json" : "/ready";
      loops.add(pool.submit(() -> {
        while (!stop.get()) {
          String outcome = request(port, path);
          outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
          if (!outcome.equals("200") && !outcome.equals("503") && !outcome.equals("refused")) {
            unanswered.add(port + path + " -> " + outcome);
          }
          if (outcome.equals("refused")) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
          }
        }
      }));
    }
    try (TestServer server = TestServer.start(Map.of(), authPort, resourcePort)) {
      // keep firing for a while once ready: connections accepted just as the servers opened are the risky ones
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (System.nanoTime() < until) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
      stop.set(true);
      for (Future<?> loop : loops) {
        loop.get(TIMEOUT_MS * 3L, TimeUnit.MILLISECONDS);
      }
      assertThat(request(authPort, "/.well-known/jwks.json")).isEqualTo("200");
      assertThat(request(resourcePort, "/ready")).isEqualTo("200");
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
    LoggerFactory.getLogger(StartupRaceTest.class).info("requests during start-up, by outcome: {}", outcomes);
    assertThat(unanswered).as("requests without an answer; outcomes %s", outcomes).isEmpty();
    assertThat(outcomes.get("200")).as("outcomes %s", outcomes).isNotNull();
  }

  /** One request on a new connection: the status code, "refused", "timeout" or "closed" (no status line). */
  private static String request(int port, String path) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MS);
      socket.setSoTimeout(TIMEOUT_MS);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] head = new byte[12];
      int n = 0;
      while (n < head.length) {
        int r = in.read(head, n, head.length - n);
        if (r < 0) {
          return "closed";
        }
        n += r;
      }
      String status = new String(head, StandardCharsets.US_ASCII);
      return status.startsWith("HTTP/1.1 ") ? status.substring(9, 12) : "garbled";
    } catch (ConnectException e) {
      return "refused";
    } catch (SocketTimeoutException e) {
      return "timeout";
    } catch (IOException e) {
      return "io:" + e.getClass().getSimpleName();
    }
  }
}
