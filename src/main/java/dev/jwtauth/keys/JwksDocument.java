package dev.jwtauth.keys;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.Base64;

/**
 * The JWKS as served at {@code /.well-known/jwks.json}: bytes encoded once per key-set change,
 * a strong ETag over them, and {@code Cache-Control: public, max-age}. Requests with a matching
 * {@code If-None-Match} get 304.
 */
public final class JwksDocument {
  private final Buffer body;
  private final String etag;
  private final String cacheControl;

  public JwksDocument(JsonObject jwks, Duration maxAge) {
    this.body = jwks.toBuffer();
    this.etag = "\"" + sha256(body.getBytes()) + "\"";
    this.cacheControl = "public, max-age=" + maxAge.toSeconds();
  }

  public void serve(RoutingContext ctx) {
    var res = ctx.response()
        .putHeader(HttpHeaders.CACHE_CONTROL, cacheControl)
        .putHeader(HttpHeaders.ETAG, etag);
    String inm = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
    if (inm != null && (inm.equals(etag) || inm.contains(etag) || inm.trim().equals("*"))) {
      res.setStatusCode(304).end();
      return;
    }
    res.putHeader(HttpHeaders.CONTENT_TYPE, "application/jwk-set+json").end(body);
  }

  private static String sha256(byte[] data) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(dev.jwtauth.tokens.Digests.sha256(data)).substring(0, 22);
  }
}
