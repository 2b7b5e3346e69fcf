package dev.jwtauth.http;

/**
 * A failure with its HTTP status and OAuth 2 style body {@code {"error","error_description"}}.
 * Handlers fail the routing context with it; {@link Responses#failureHandler} renders it.
 */
public final class ApiError extends RuntimeException {
  private final int status;
  private final String code;
  private long retryAfter;

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
