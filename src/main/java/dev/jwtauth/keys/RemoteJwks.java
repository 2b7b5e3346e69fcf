package dev.jwtauth.keys;

import io.vertx.ext.web.client.WebClient;

/**
 * The auth server's key set fetched from {@code JWKS_URI} by a resource process outside the
 * cluster: the resource-server library's {@link dev.jwtauth.verifier.RemoteJwks} (conditional
 * fetches with {@code If-None-Match}, {@code Cache-Control: max-age} read).
 */
public final class RemoteJwks extends dev.jwtauth.verifier.RemoteJwks {
  public RemoteJwks(WebClient web, String uri) {
    super(web, uri);
  }
}
