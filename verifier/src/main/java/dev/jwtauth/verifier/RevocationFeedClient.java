package dev.jwtauth.verifier;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Follows the auth server's revocation feed ({@code GET /oauth2/revocations}, Server-Sent Events,
 * a client with the scope {@value #SCOPE} by HTTP Basic) for a verifier outside the auth server's
 * cluster, and applies it to a {@link RevocationSet}: the snapshot of every (re)connection, then
 * each revocation as it happens. Each reconnection sends the last event id received
 * ({@code Last-Event-ID}); the server answers it with a full snapshot, so nothing revoked while the
 * connection was down is missed. Reconnects when the stream ends, fails or stays silent for three
 * keep-alive periods, after a delay doubling from 100 ms to 5 s (with jitter), reset by each
 * snapshot received. The response body is streamed and split into lines here (the SSE format,
 * WHATWG HTML §9.2, is lines of {@code field: value}, an event ending at a blank line); nothing blocks.
 */
public final class RevocationFeedClient {
  private static final Logger log = LoggerFactory.getLogger(RevocationFeedClient.class);
  private static final long MIN_BACKOFF_MILLIS = 100;
  private static final long MAX_BACKOFF_MILLIS = 5_000;
  private static final int MAX_LINE = 64 * 1024 * 1024;
  /** The scope the feed's client must hold. */
  public static final String SCOPE = "revocations:read";
  /** The path of the feed on the auth origin. */
  public static final String PATH = "/oauth2/revocations";
  /** How often the server writes a keep-alive comment; three silent periods mean a dead connection. */
  public static final long KEEP_ALIVE_MILLIS = 15_000;

  private final Vertx vertx;
  private final String uri;
  private final String authorization;
  private final RevocationSet revoked;
  private final HttpClient http;
  private volatile boolean synced;
  private volatile boolean closed;
  private long backoff = MIN_BACKOFF_MILLIS;
  private long retryTimer = -1;
  private HttpClientRequest current;
  private boolean warned;
  private io.vertx.core.Context context;
  private volatile String lastEventId;
  private volatile long snapshots;

  /**
   * @param uri          the feed's URL ({@code …/oauth2/revocations})
   * @param clientId     a client registered with the auth server holding the scope {@value #SCOPE}
   * @param clientSecret its secret (sent as HTTP Basic, RFC 6749 §2.3.1, on each connection; never logged)
   * @param revoked      the set the feed's entries go to
   */
  public RevocationFeedClient(Vertx vertx, String uri, String clientId, String clientSecret, RevocationSet revoked) {
    this.vertx = vertx;
    this.uri = uri;
    this.authorization = basic(clientId, clientSecret);
    this.revoked = revoked;
    // Silent for three keep-alive periods: the connection is dead even if TCP has not noticed.
    this.http = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout(5_000)
        .setIdleTimeout((int) (3 * KEEP_ALIVE_MILLIS / 1000)).setIdleTimeoutUnit(TimeUnit.SECONDS));
  }

  /** Connects (in the background; reconnecting until {@link #close()}). */
  public void start() {
    context = vertx.getOrCreateContext();
    context.runOnContext(v -> connect());
  }

  /** Whether a snapshot has been applied: until then the set may lack revocations in force. */
  public boolean synced() {
    return synced;
  }

  /** The id of the last event received, sent as {@code Last-Event-ID} on reconnection; null before any. */
  public String lastEventId() {
    return lastEventId;
  }

  /** How many snapshots have been applied (one per successful (re)connection). */
  public long snapshots() {
    return snapshots;
  }

  private static String basic(String id, String secret) {
    String pair = java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8) + ":"
        + java.net.URLEncoder.encode(secret, java.nio.charset.StandardCharsets.UTF_8);
    return "Basic " + java.util.Base64.getEncoder().encodeToString(pair.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Stops following the feed. */
  public Future<Void> close() {
    closed = true;
    Promise<Void> done = Promise.promise();
    if (context == null) {
      return http.close();
    }
    context.runOnContext(v -> {
      vertx.cancelTimer(retryTimer);
      if (current != null) {
        current.reset();
      }
      http.close().onComplete(done);
    });
    return done.future();
  }

  private void connect() {
    if (closed) {
      return;
    }
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(uri)
        .putHeader("Authorization", authorization).putHeader("Accept", "text/event-stream");
    if (lastEventId != null) {
      options.putHeader("Last-Event-ID", lastEventId);
    }
    http.request(options)
        .compose(req -> {
          current = req;
          return req.send();
        })
        .compose(this::follow)
        .onComplete(ar -> {
          current = null;
          if (closed) {
            return;
          }
          String why = ar.succeeded() ? "stream ended" : ar.cause().getMessage();
          if (!warned) {
            log.warn("revocation feed {} lost ({}); reconnecting", uri, why);
            warned = true;
          } else {
            log.debug("revocation feed {}: {}", uri, why);
          }
          long delay = backoff + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
          retryTimer = vertx.setTimer(delay, t -> connect());
        });
  }

  /** Reads one stream to its end; completes (succeeded or failed) when it is over. */
  private Future<Void> follow(HttpClientResponse res) {
    if (res.statusCode() != 200) {
      return res.body().transform(ignored -> Future.failedFuture("the feed answered " + res.statusCode()
          + (res.statusCode() == 401 || res.statusCode() == 403
          ? " (check the feed client's id, its secret and its scope " + SCOPE + ")" : "")));
    }
    Promise<Void> over = Promise.promise();
    EventReader reader = new EventReader();
    RecordParser lines = RecordParser.newDelimited("\n", res).maxRecordSize(MAX_LINE);
    lines.handler(reader::line);
    lines.exceptionHandler(over::tryFail);
    lines.endHandler(v -> over.tryComplete());
    res.exceptionHandler(over::tryFail);
    res.request().connection().closeHandler(v -> over.tryFail("connection closed"));
    return over.future();
  }

  private void apply(String type, String data) {
    JsonObject body;
    try {
      body = new JsonObject(data);
    } catch (DecodeException e) {
      log.warn("revocation feed: event '{}' is not JSON; ignored", type);
      return;
    }
    switch (type) {
      case "snapshot" -> {
        revoked.addAll(body);
        if (!synced || warned) {
          log.info("revocation feed {}: snapshot of {} revocations applied", uri,
              body.getJsonArray("revoked", new io.vertx.core.json.JsonArray()).size());
        }
        synced = true;
        snapshots++;
        warned = false;
        backoff = MIN_BACKOFF_MILLIS;
      }
      case "revoked" -> revoked.add(body);
      default -> log.debug("revocation feed: event '{}' ignored", type);
    }
  }

  /** Gathers the lines of one event; dispatches at the blank line. Comments and unknown fields are skipped. */
  private final class EventReader {
    private String type = "message";
    private String id;
    private final StringBuilder data = new StringBuilder();

    void line(Buffer raw) {
      String line = raw.toString(java.nio.charset.StandardCharsets.UTF_8);
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      if (line.isEmpty()) {
        if (!data.isEmpty()) {
          apply(type, data.toString());
          if (id != null) {
            lastEventId = id;
          }
        }
        type = "message";
        id = null;
        data.setLength(0);
        return;
      }
      if (line.startsWith(":")) {
        return;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      switch (field) {
        case "event" -> type = value;
        case "id" -> id = value.indexOf('\0') >= 0 ? null : value;
        case "data" -> {
          if (!data.isEmpty()) {
            data.append('\n');
          }
          data.append(value);
        }
        default -> {
        }
      }
    }
  }
}
