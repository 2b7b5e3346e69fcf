package dev.jwtauth.http;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ConnectException;
import java.util.Map;

/** Shared response plumbing of both origins: security headers, JSON bodies, the failure handler. */
public final class Responses {
  private static final Logger log = LoggerFactory.getLogger(Responses.class);
  private static final Map<Integer, String> CODES = Map.of(
      400, "invalid_request", 401, "invalid_token", 403, "insufficient_scope", 404, "not_found",
      405, "method_not_allowed", 413, "request_too_large", 415, "unsupported_media_type",
      431, "request_header_too_large", 503, "temporarily_unavailable");
  /** How long a connection refused for an undecodable request head keeps draining before it closes. */
  private static final long LINGER_MS = 2_000;

  private Responses() {
  }

  /** Adds the headers every response carries; token responses add {@code no-store} themselves. */
  public static Handler<RoutingContext> securityHeaders(boolean tls) {
    return ctx -> {
      if (tls) {
        ctx.response().headers().set("Strict-Transport-Security", "max-age=31536000");
      }
      noSniffNoFrames(ctx.response().headers());
      ctx.next();
    };
  }

  private static void noSniffNoFrames(MultiMap headers) {
    headers.set("X-Content-Type-Options", "nosniff")
        .set("X-Frame-Options", "DENY")
        .set("Referrer-Policy", "no-referrer")
        .set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  }

  /**
   * The HTTP server's handler for requests that cannot be decoded (request line or header fields
   * too large, bad syntax): 414, 431 or 400 as a JSON error. Unlike Vert.x's default handler it
   * announces {@code Connection: close} (RFC 9112 §9.6), so a pooling client does not send its
   * next request on a connection that is about to close, and it closes only after a short linger
   * while the decoder discards the rest of the request: closing at once, with an oversized
   * request unread, makes the kernel reset the connection and the client may lose the response.
   */
  public static Handler<HttpServerRequest> invalidRequests(Vertx vertx) {
    return req -> {
      Throwable cause = req.decoderResult().cause();
      int status = cause instanceof TooLongHttpHeaderException ? 431 : cause instanceof TooLongHttpLineException ? 414 : 400;
      HttpConnection connection = req.connection();
      // these requests never reach a router, so its security-header handler does not run
      noSniffNoFrames(req.response().headers());
      req.response().setStatusCode(status)
          .putHeader(HttpHeaders.CONNECTION, "close")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(new JsonObject().put("error", CODES.getOrDefault(status, "invalid_request"))
              .put("error_description", describe(status)).toBuffer())
          .onComplete(ar -> vertx.setTimer(LINGER_MS, t -> connection.close()));
    };
  }

  /** Sends {@code body} as JSON with {@code status}. */
  public static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body.toBuffer());
  }

  /** Sends a token-bearing body: never cached (RFC 6749 §5.1). */
  public static void tokenJson(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store").putHeader("Pragma", "no-cache");
    json(ctx, 200, body);
  }

  /** Sends {@code {"error","error_description"}}. */
  public static void error(RoutingContext ctx, int status, String code, String description) {
    HttpServerResponse res = ctx.response();
    if (res.ended()) {
      return;
    }
    res.putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    json(ctx, status, new JsonObject().put("error", code).put("error_description", description));
  }

  /**
   * Renders any failure as a JSON error: {@link ApiError} as it says, a database outage as 503,
   * anything unexpected as 500 with the cause logged here (once) and never sent.
   */
  public static void failureHandler(RoutingContext ctx) {
    Throwable err = ctx.failure();
    if (err instanceof ApiError api) {
      if (api.retryAfter() > 0) {
        ctx.response().putHeader(HttpHeaders.RETRY_AFTER, Long.toString(api.retryAfter()));
      }
      if (api.challenge() != null) {
        ctx.response().putHeader("WWW-Authenticate", api.challenge());
      }
      if (api.dpopNonce() != null) {
        ctx.response().putHeader("DPoP-Nonce", api.dpopNonce());
      }
      if ("invalid_client".equals(api.code())) {
        ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"jwt-auth-server\"");
      }
      error(ctx, api.status(), api.code(), api.getMessage());
      return;
    }
    if (isDatabaseDown(err)) {
      log.warn("database unavailable for {} {}: {}", ctx.request().method(), ctx.request().path(), err.getMessage());
      ApiError e = ApiError.unavailable();
      ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "5");
      error(ctx, e.status(), e.code(), e.getMessage());
      return;
    }
    int status = err instanceof HttpException he ? he.getStatusCode() : ctx.statusCode();
    if (status >= 400 && status < 500) {
      error(ctx, status, CODES.getOrDefault(status, "invalid_request"), describe(status));
      return;
    }
    log.error("unexpected failure on {} {}", ctx.request().method(), ctx.request().path(), err);
    error(ctx, 500, "server_error", "The server could not complete the request.");
  }

  /** Whether a failure means PostgreSQL is unreachable (as opposed to a bug). */
  public static boolean isDatabaseDown(Throwable err) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      // by type only: a refused or closed connection, the server shutting down (SQLSTATE class 57P),
      // or no pooled connection within the pool's timeout (Vert.x fails that with a TimeoutException)
      if (t instanceof ConnectException || t instanceof ClosedConnectionException
          || (t instanceof PgException pg && pg.getSqlState() != null && pg.getSqlState().startsWith("57P"))
          || t instanceof java.util.concurrent.TimeoutException) {
        return true;
      }
    }
    return false;
  }

  private static String describe(int status) {
    return switch (status) {
      case 404 -> "No such resource.";
      case 405 -> "Method not allowed on this resource.";
      case 413 -> "The request body is too large.";
      case 414 -> "The request line is too long.";
      case 415 -> "The request body must be application/json.";
      case 431 -> "The request headers are too large.";
      default -> "The request is malformed.";
    };
  }
}
