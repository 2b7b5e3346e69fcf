package dev.jwtauth.keys;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the auth origin publishes about its keys, rebuilt on every key-set change: the JWKS document
 * ({@code /.well-known/jwks.json}) and the discovery metadata, whose advertised algorithms are those
 * of the published keys ({@code /.well-known/openid-configuration} and
 * {@code /.well-known/oauth-authorization-server}). One per issuer verticle instance, used on its
 * event loop.
 */
public final class KeyPublication {
  private final String issuer;
  private final Duration maxAge;
  private volatile JwksDocument jwks;
  private volatile JsonObject discovery;

  public KeyPublication(String issuer, Duration maxAge) {
    this.issuer = issuer;
    this.maxAge = maxAge;
    update(new JsonObject().put("keys", new io.vertx.core.json.JsonArray()));
  }

  /** Uses a new public key set ({@code {"keys":[…]}}). */
  public void update(JsonObject set) {
    jwks = new JwksDocument(set, maxAge);
    Set<String> algs = new LinkedHashSet<>();
    set.getJsonArray("keys").forEach(k -> algs.add(((JsonObject) k).getString("alg")));
    discovery = Discovery.document(issuer, List.copyOf(algs));
  }

  /** Adds the JWKS and discovery routes to the auth origin's router. */
  public void mount(Router router) {
    router.get("/.well-known/jwks.json").handler(ctx -> jwks.serve(ctx));
    router.get("/.well-known/openid-configuration").handler(ctx -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(discovery.toBuffer()));
    router.get("/.well-known/oauth-authorization-server").handler(ctx -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(discovery.toBuffer()));
  }
}
