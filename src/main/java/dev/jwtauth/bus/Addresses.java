package dev.jwtauth.bus;

/**
 * Every event-bus address of the server, with its JSON contract. Failures are
 * {@link io.vertx.core.eventbus.ReplyException}s whose failure code is the HTTP status the same
 * failure has over HTTP and whose message is the OAuth 2 error code (see {@link BusErrors}).
 */
public final class Addresses {
  private Addresses() {
  }

  /** Request {} ; reply the public JWKS {"keys":[…]} (RFC 7517) of every key a resource server should trust. */
  public static final String JWKS_GET = "auth.jwks.get";

  /** Publish {"keys":[…]}: the public key set after a change (new, rotated or retired key). */
  public static final String JWKS_CHANGED = "auth.jwks.changed";

  /**
   * Local only (never clustered). Request {} ; reply {"kid","alg","pkcs8"}: the active private key for
   * the issuer verticles of this process, base64 PKCS#8. Fails 503 while no key is loaded.
   */
  public static final String SIGNING_KEY_GET = "auth.keys.signing";
}
