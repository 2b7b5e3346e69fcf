package dev.jwtauth.bus;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/** Maps event-bus failures to the HTTP status they stand for. */
public final class BusErrors {
  private BusErrors() {
  }

  /**
   * The HTTP status of a failed request: the failure code a handler set with
   * {@code msg.fail(status, code)}, or 503 when nobody answered (timeout, no handler).
   */
  public static int httpStatus(Throwable err) {
    if (err instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.RECIPIENT_FAILURE && re.failureCode() >= 400 && re.failureCode() < 600) {
        return re.failureCode();
      }
      return 503;
    }
    return 500;
  }
}
