package dev.jwtauth.http;

/**
 * A failure with its HTTP status and OAuth 2 style body {@code {"error","error_description"}}.
 * Handlers fail the routing context with it; {@link Responses#failureHandler} renders it.
 */
public final class ApiError extends RuntimeException {
  private final int status;
  private final String code;

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

  public static ApiError invalidRequest(String description) {
    return new ApiError(400, "invalid_request", description);
  }

  public static ApiError unavailable() {
    return new ApiError(503, "temporarily_unavailable", "The service is temporarily unavailable; try again shortly.");
  }
}
