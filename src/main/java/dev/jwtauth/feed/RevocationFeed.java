package dev.jwtauth.feed;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The streams of the revocation feed of one auth process, fed by the process's single
 * subscription to {@code auth.token.revoked} (every revocation of the cluster arrives there, this
 * process's own included). Each stream gets, as Server-Sent Events:
 * <pre>
 * retry: 1000
 *
 * id: 41
 * event: snapshot
 * data: {"revoked":[{"kind":"sid","value":"…","exp":1767225600}, …]}
 *
 * id: 42
 * event: revoked
 * data: {"kind":"jti","value":"…","exp":1767225600}
 *
 * : keep-alive
 * </pre>
 * A snapshot on every (re)connection makes the stream resumable on any auth process: ids are
 * increasing per process, for the subscriber's bookkeeping only, and a {@code Last-Event-ID} is
 * answered with the full snapshot too (the client misses nothing, whatever process it lands on).
 * Events published while the snapshot is being read are queued and follow it (adding a revocation
 * twice is harmless). A stream whose client does not read is closed rather than buffered without
 * bound; its client reconnects and gets a fresh snapshot.
 */
public final class RevocationFeed {
  private static final Logger log = LoggerFactory.getLogger(RevocationFeed.class);
  /** The route of the feed on the auth origin. */
  public static final String PATH = dev.jwtauth.verifier.RevocationFeedClient.PATH;
  /** The scope a client must hold to read the feed. */
  public static final String SCOPE = dev.jwtauth.verifier.RevocationFeedClient.SCOPE;
  /** A comment line this often lets proxies and clients tell a quiet stream from a dead one. */
  public static final long KEEP_ALIVE_MILLIS = dev.jwtauth.verifier.RevocationFeedClient.KEEP_ALIVE_MILLIS;
  /** The reconnection delay suggested to standard EventSource clients ({@code retry:} field). */
  static final long RETRY_MILLIS = 1_000;

  private final Vertx vertx;
  private final int maxStreams;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicInteger open = new AtomicInteger();
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * @param maxStreams streams served at once by this process; more are refused (503)
   */
  public RevocationFeed(Vertx vertx, int maxStreams) {
    this.vertx = vertx;
    this.maxStreams = maxStreams;
  }

  /** Fans one revocation out to every stream (called by the process's bus subscription). */
  public void publish(JsonObject entry) {
    for (Stream s : streams) {
      s.context.runOnContext(v -> s.deliver(entry));
    }
  }

  /** Streams open now. */
  public int streams() {
    return open.get();
  }

  /**
   * Starts a stream on this response (on the request's event loop): headers now, the snapshot when
   * {@code snapshot} completes, live events after it. False, with nothing written, when the process
   * already serves {@code maxStreams} streams or is shutting down.
   */
  boolean open(HttpServerResponse response, Future<JsonObject> snapshot) {
    if (closed || open.incrementAndGet() > maxStreams) {
      open.decrementAndGet();
      return false;
    }
    Stream s = new Stream(vertx.getOrCreateContext(), response);
    streams.add(s);
    response.closeHandler(v -> s.closed());
    response.exceptionHandler(err -> s.closed());
    response.setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no");
    s.write("retry: " + RETRY_MILLIS + "\n\n");
    s.timer = vertx.setPeriodic(KEEP_ALIVE_MILLIS, t -> s.write(": keep-alive\n\n"));
    snapshot.onComplete(ar -> {
      if (ar.succeeded()) {
        s.snapshot(ar.result());
      } else {
        log.warn("revocation feed: snapshot failed ({}); closing the stream", ar.cause().getMessage());
        s.end();
      }
    });
    return true;
  }

  /** Ends every stream and refuses new ones (shutdown: a stream would hold the grace period to its end). */
  public void closeAll() {
    closed = true;
    for (Stream s : new ArrayList<>(streams)) {
      s.context.runOnContext(v -> s.end());
    }
  }

  /** One subscriber's stream; every method runs on its request's event loop. */
  private final class Stream {
    final Context context;
    final HttpServerResponse response;
    final List<JsonObject> pending = new ArrayList<>();
    boolean synced;
    boolean done;
    long timer = -1;

    Stream(Context context, HttpServerResponse response) {
      this.context = context;
      this.response = response;
    }

    void snapshot(JsonObject list) {
      if (done) {
        return;
      }
      event("snapshot", list);
      synced = true;
      pending.forEach(e -> event("revoked", e));
      pending.clear();
    }

    void deliver(JsonObject entry) {
      if (done) {
        return;
      }
      if (synced) {
        event("revoked", entry);
      } else {
        pending.add(entry);
      }
    }

    private void event(String type, JsonObject data) {
      write("id: " + ids.incrementAndGet() + "\nevent: " + type + "\ndata: " + data.encode() + "\n\n");
    }

    void write(String text) {
      if (done) {
        return;
      }
      if (response.writeQueueFull()) {
        // a subscriber that does not read: close; it reconnects and gets a fresh snapshot
        log.warn("revocation feed: subscriber not reading; closing its stream");
        response.reset();
        closed();
        return;
      }
      response.write(text);
    }

    void end() {
      if (!done) {
        response.end();
        closed();
      }
    }

    void closed() {
      if (done) {
        return;
      }
      done = true;
      vertx.cancelTimer(timer);
      streams.remove(this);
      open.decrementAndGet();
    }
  }
}
