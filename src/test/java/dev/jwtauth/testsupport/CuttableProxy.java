package dev.jwtauth.testsupport;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay on a free loopback port to a target port, whose connections a test can cut (every
 * open one closed, new ones closed on accept) and restore: a network outage between two real
 * processes without stopping either.
 */
public final class CuttableProxy implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final NetServer server;
  private final NetClient client;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;

  public CuttableProxy(int targetPort) {
    client = vertx.createNetClient();
    server = vertx.createNetServer().connectHandler(in -> {
      if (cut) {
        in.close();
        return;
      }
      in.pause();
      sockets.add(in);
      client.connect(targetPort, "127.0.0.1").onSuccess(out -> {
        sockets.add(out);
        in.pipeTo(out);
        out.pipeTo(in);
        in.resume();
        if (cut) {
          in.close();
          out.close();
        }
      }).onFailure(err -> in.close());
      in.closeHandler(v -> sockets.remove(in));
    });
    server.listen(0, "127.0.0.1").await();
  }

  /** The port to connect to instead of the target's. */
  public int port() {
    return server.actualPort();
  }

  /** Closes every relayed connection and refuses new ones until {@link #restore()}. */
  public void cut() {
    cut = true;
    sockets.forEach(NetSocket::close);
    sockets.clear();
  }

  /** Relays new connections again. */
  public void restore() {
    cut = false;
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
