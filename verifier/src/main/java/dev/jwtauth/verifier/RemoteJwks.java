package dev.jwtauth.verifier;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The auth server's key set fetched over HTTP (its {@code jwks_uri}). Each fetch after the first is
 * conditional (RFC 9110 §13.1.2 {@code If-None-Match} with the last {@code ETag}); a 304 keeps the
 * keys already held. The {@code Cache-Control: max-age} of the last answer (RFC 9111 §5.2.2.1) says
 * how long the set may be kept before it is read again ({@link #maxAge()}). May be used from several
 * event loops: a race costs at most one extra request.
 */
public class RemoteJwks {
  private static final long TIMEOUT_MILLIS = 5_000;
  private static final Pattern MAX_AGE = Pattern.compile("(?:^|[,\\s])max-age\\s*=\\s*\"?(\\d{1,9})\"?", Pattern.CASE_INSENSITIVE);
  private final WebClient web;
  private final String uri;
  private volatile String etag;
  private volatile JsonObject keys;
  private volatile Duration maxAge;

  /**
   * @param web a client of the caller's Vert.x instance
   * @param uri the key set's absolute URL
   */
  public RemoteJwks(WebClient web, String uri) {
    this.web = web;
    this.uri = uri;
  }

  /** The current key set: a new one on 200, the one held on 304; fails on any other answer. */
  public Future<JsonObject> fetch() {
    return fetchIfChanged().map(changed -> changed != null ? changed : keys);
  }

  /** The new key set on 200, or null when the server answered 304 Not Modified. */
  public Future<JsonObject> fetchIfChanged() {
    var request = web.getAbs(uri).timeout(TIMEOUT_MILLIS);
    String held = etag;
    if (held != null && keys != null) {
      request.putHeader(HttpHeaders.IF_NONE_MATCH.toString(), held);
    }
    return request.send().compose(res -> {
      String cacheControl = res.getHeader(HttpHeaders.CACHE_CONTROL.toString());
      if (res.statusCode() == 304 && keys != null) {
        maxAge = maxAge(cacheControl);
        return Future.succeededFuture(null);
      }
      if (res.statusCode() != 200) {
        return Future.failedFuture("the JWKS at " + uri + " answered " + res.statusCode());
      }
      JsonObject body;
      try {
        body = res.bodyAsJsonObject();
      } catch (RuntimeException e) {
        return Future.failedFuture("the JWKS at " + uri + " is not a JSON object");
      }
      if (body == null) {
        return Future.failedFuture("the JWKS at " + uri + " is empty");
      }
      keys = body;
      etag = res.getHeader(HttpHeaders.ETAG.toString());
      maxAge = maxAge(cacheControl);
      return Future.succeededFuture(body);
    });
  }

  /** The ETag of the key set held, or null. */
  public String etag() {
    return etag;
  }

  /** The key set held (the last one received), or null before the first successful fetch. */
  public JsonObject keys() {
    return keys;
  }

  /** The {@code max-age} of the last answer, or null when it had none (or said {@code no-store}/{@code no-cache}: zero). */
  public Duration maxAge() {
    return maxAge;
  }

  static Duration maxAge(String cacheControl) {
    if (cacheControl == null) {
      return null;
    }
    String lower = cacheControl.toLowerCase(java.util.Locale.ROOT);
    if (lower.contains("no-store") || lower.contains("no-cache")) {
      return Duration.ZERO;
    }
    Matcher m = MAX_AGE.matcher(cacheControl);
    return m.find() ? Duration.ofSeconds(Long.parseLong(m.group(1))) : null;
  }
}
