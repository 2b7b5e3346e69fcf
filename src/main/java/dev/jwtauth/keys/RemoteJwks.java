package dev.jwtauth.keys;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

/**
 * The auth server's key set fetched over HTTP ({@code JWKS_URI}), for a resource process outside
 * the cluster. Each fetch after the first is conditional (RFC 9110 §13.1.2 {@code If-None-Match}
 * with the last {@code ETag}); a 304 keeps the keys already held. Used from one event loop (one
 * instance per verticle instance).
 */
public final class RemoteJwks {
  private static final long TIMEOUT_MILLIS = 5_000;
  private final WebClient web;
  private final String uri;
  private String etag;
  private JsonObject keys;

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
    if (etag != null && keys != null) {
      request.putHeader(HttpHeaders.IF_NONE_MATCH.toString(), etag);
    }
    return request.send().compose(res -> {
      if (res.statusCode() == 304 && keys != null) {
        return Future.succeededFuture(null);
      }
      if (res.statusCode() != 200) {
        return Future.failedFuture("JWKS_URI answered " + res.statusCode());
      }
      JsonObject body = res.bodyAsJsonObject();
      keys = body;
      etag = res.getHeader(HttpHeaders.ETAG.toString());
      return Future.succeededFuture(body);
    });
  }

  /** The ETag of the key set held, or null. */
  public String etag() {
    return etag;
  }
}
