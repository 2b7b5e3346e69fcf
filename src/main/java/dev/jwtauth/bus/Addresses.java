package dev.jwtauth.bus;

/**
 * Every event-bus address of the server, with its JSON contract. Failures are
 * {@link io.vertx.core.eventbus.ReplyException}s whose failure code is the HTTP status the same
 * failure has over HTTP and whose message is the OAuth 2 error code (see {@link BusErrors}).
 */
public final class Addresses {
  private Addresses() {
  }

  /**
   * Request {} ; reply the public JWKS {"keys":[…]} (RFC 7517) of every key a resource server should trust.
   * In a cluster the reply carries the {@link KeySetSeal#HEADER} header; an unsealed reply is refused.
   */
  public static final String JWKS_GET = "auth.jwks.get";

  /**
   * Publish {"keys":[…]}: the public key set after a change (new, rotated or retired key). In a cluster it
   * carries the {@link KeySetSeal#HEADER} header; receivers drop a set without a valid seal.
   */
  public static final String JWKS_CHANGED = "auth.jwks.changed";

  /**
   * Local-only publish {"kid","alg","pkcs8"}: the active private key after a change, for this process's
   * issuers (published before {@link #JWKS_CHANGED}, so a rotation's reply finds them switched already).
   */
  public static final String SIGNING_KEY_CHANGED = "auth.keys.signing.changed";

  /** Publish {"kind":"jti"|"sid","value","exp"}: a token or a whole session was revoked until exp (epoch s). */
  public static final String TOKEN_REVOKED = "auth.token.revoked";

  /** Request {} ; reply {"revoked":[{"kind","value","exp"}…]}: every revocation in force (for a starting verifier). */
  public static final String REVOCATIONS_GET = "auth.revocations.get";

  /**
   * Request {"client_id","client_secret","sub"?,"roles"?:[…],"scope"?,"username"?,"ttl"?}; reply
   * {"access_token","token_type","expires_in","scope"?}. A registered client asks for a token for a subject (default:
   * itself; never a user id) with at most its own roles and scopes (default: all of them), never admin; the token
   * carries its client_id; ttl in seconds is capped at ACCESS_TOKEN_TTL. Fails 401 invalid_client, 400 invalid_scope
   * (more than the client may have), 400 invalid_request (bad body).
   */
  public static final String TOKEN_ISSUE = "auth.token.issue";

  /**
   * Request {"token","dpop"?,"htm"?,"htu"?}; reply the verified claims. A token bound to a DPoP key (claim
   * cnf.jkt) needs "dpop", the proof the client sent with it, and the method and URL of that request
   * ("htm", "htu"); a proof given for an unbound token is checked too. Fails 401 invalid_token when the
   * token is not valid or is bound and comes without a proof by its key, 401 invalid_dpop_proof for a bad
   * proof, 400 invalid_request for a proof without htm/htu.
   */
  public static final String TOKEN_VERIFY = "auth.token.verify";

  /**
   * Request {"token"} (an access or refresh token) or {"sid"}; reply {"revoked":true}. Revokes the access
   * token's jti, or the refresh token's / sid's whole session. Fails 400 invalid_request on a bad body.
   */
  public static final String TOKEN_REVOKE = "auth.token.revoke";

  /** Local only. Request {} ; reply {"kid"}: creates a new active key now (the old ones stay published until they retire). */
  public static final String KEYS_ROTATE = "auth.keys.rotate";

  /**
   * Send {"event","user_id"?,"username"?,"client_id"?,"address"?,"details"?}: a security event for the audit
   * trail; an issuer verticle stores it. No reply.
   */
  public static final String AUDIT_RECORD = "auth.audit.record";

  /** Publish {}: keys changed on disk (a rotation in some process); every KeyManagerVerticle re-reads KEYS_DIR. */
  public static final String KEYS_RELOAD = "auth.keys.reload";

  /**
   * Local only (never clustered). Request {} ; reply {"kid","alg","pkcs8"}: the active private key for
   * the issuer verticles of this process, base64 PKCS#8. Never fails: the consumer registers only
   * once the key ring is loaded, so before that a request fails with NO_HANDLERS (or times out).
   */
  public static final String SIGNING_KEY_GET = "auth.keys.signing";

  /**
   * Local only. Request {} ; reply {"keys":[{"kid","alg","created","active","retires_at"?}…]}: the signing
   * keys this process's key manager holds, oldest first ({@code created} and {@code retires_at} in epoch
   * seconds; the active key has no {@code retires_at}). Never a private key.
   */
  public static final String KEYS_LIST = "auth.keys.list";
}
