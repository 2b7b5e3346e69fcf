package dev.jwtauth.bus;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.Responses;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one failure model on the event bus: a consumer fails with the HTTP status and OAuth error code
 * of the same failure over HTTP ({@link #fail}); a caller turns a failed request back into that
 * {@link ApiError} ({@link #toApiError}), nobody answering being a 503.
 */
public final class BusErrors {
  private static final Logger log = LoggerFactory.getLogger(BusErrors.class);

  private BusErrors() {
  }

  /** Fails {@code msg} with the status and code of {@code err}; an unexpected failure is logged once, as a 500. */
  public static void fail(Message<?> msg, Throwable err) {
    ApiError api = err instanceof ApiError a ? a
        : Responses.isDatabaseDown(err) ? ApiError.unavailable() : null;
    if (api == null) {
      log.error("unexpected failure on {}", msg.address(), err);
      msg.fail(500, "server_error");
      return;
    }
    msg.fail(api.status(), api.code());
  }

  /**
   * The {@link ApiError} a failed bus request stands for: the recipient's status and code, or 503
   * when nobody answered (timeout, no handler).
   */
  public static ApiError toApiError(Throwable err) {
    if (err instanceof ApiError api) {
      return api;
    }
    if (err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE
        && re.failureCode() >= 400 && re.failureCode() < 600) {
      return new ApiError(re.failureCode(), re.getMessage() == null ? "server_error" : re.getMessage(),
          "The request failed: " + re.getMessage() + ".");
    }
    return ApiError.unavailable();
  }
}
