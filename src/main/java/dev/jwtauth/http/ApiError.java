package dev.jwtauth.http;

/**
 * A failure with its HTTP status and OAuth 2 style body {@code {"error","error_description"}}.
 * Handlers fail the routing context with it; {@link Responses#failureHandler} renders it.
 */
public final class ApiError extends RuntimeException {
  private final int status;
  private final String code;
  private long retryAfter;
  private String challenge;
  private String dpopNonce;

  public ApiError(int status, String code, String description) {
    super(description, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** Adds a {@code Retry-After} of {@code seconds} to the response (429, 503). */
  public ApiError retryAfter(long seconds) {
    this.retryAfter = seconds;
    return this;
  }

  /** Adds a {@code WWW-Authenticate} challenge to the response (RFC 6750 §3, RFC 9110 §11.6.1). */
  public ApiError challenge(String value) {
    this.challenge = value;
    return this;
  }

  /** The {@code WWW-Authenticate} value, or null for none. */
  public String challenge() {
    return challenge;
  }

  /**
   * 403 {@code insufficient_scope} with its RFC 6750 challenge: the token is valid but lacks what
   * the resource needs ({@code what}, e.g. "role admin" or "scope reports:read").
   *
   * @param scopeParam the {@code scope} challenge parameter, or null
   */
  public static ApiError insufficientScope(String what, String scopeParam) {
    return new ApiError(403, "insufficient_scope", "This resource requires the " + what + ".")
        .challenge("Bearer error=\"insufficient_scope\"" + (scopeParam == null ? "" : ", scope=\"" + scopeParam + "\"")
            + ", error_description=\"" + what + " required\"");
  }

  /** Adds a {@code DPoP-Nonce} header to the response (RFC 9449 §8). */
  public ApiError dpopNonce(String nonce) {
    this.dpopNonce = nonce;
    return this;
  }

  /** The {@code DPoP-Nonce} value, or null for none. */
  public String dpopNonce() {
    return dpopNonce;
  }

  /** Seconds for {@code Retry-After}, or 0 for none. */
  public long retryAfter() {
    return retryAfter;
  }

  public static ApiError invalidRequest(String description) {
    return new ApiError(400, "invalid_request", description);
  }

  public static ApiError unavailable() {
    return new ApiError(503, "temporarily_unavailable", "The service is temporarily unavailable; try again shortly.");
  }
}
