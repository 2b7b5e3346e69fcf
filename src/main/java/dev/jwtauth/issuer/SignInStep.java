package dev.jwtauth.issuer;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.oidc.AuthorizationRequest;
import dev.jwtauth.oidc.AuthorizationStore;
import dev.jwtauth.users.User;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The sign-in page's step: the form's hidden {@code request_id} and {@code csrf_token} name a
 * pending authorization request (a wrong, missing or foreign token is a 403 page), then the
 * password goes through the same {@link PasswordCheck} as {@code /auth/login}; on success the
 * pending request is used up, a sign-in session begins ({@link #COOKIE}) and the code goes back.
 * A further factor (a one-time code) fits between {@link #signIn}'s password check and
 * {@link #complete}: another page posting the same hidden fields.
 */
final class SignInStep {
  private static final Logger log = LoggerFactory.getLogger(SignInStep.class);
  /** The sign-in session cookie: HttpOnly, Secure, SameSite=Lax, path {@code /oauth2}. */
  static final String COOKIE = "signin_session";
  static final String COOKIE_PATH = "/oauth2";
  private static final String BAD_CREDENTIALS = "Invalid username or password.";

  private final AuthorizationStore store;
  private final PasswordCheck passwords;
  private final AuthorizationResponses responses;
  private final Duration codeTtl;
  private final Duration sessionTtl;
  private final Clock clock;

  SignInStep(AuthorizationStore store, PasswordCheck passwords, AuthorizationResponses responses, Duration codeTtl,
             Duration sessionTtl, Clock clock) {
    this.store = store;
    this.passwords = passwords;
    this.responses = responses;
    this.codeTtl = codeTtl;
    this.sessionTtl = sessionTtl;
    this.clock = clock;
  }

  /** A failure shown on the error page. */
  private static final class PageError extends RuntimeException {
    final int status;
    final String code;

    PageError(int status, String code, String description) {
      super(description, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  /** The sign-in step: the pending request its hidden fields name (CSRF-checked), then the password. */
  void signIn(RoutingContext ctx, MultiMap form) {
    String requestId = single(form, "request_id");
    String csrf = single(form, "csrf_token");
    store.pending(requestId, csrf).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      if (ar.result().isEmpty()) {
        SignInPage.error(ctx, 403, "invalid_request",
            "This sign-in form has expired or is not valid (missing or wrong CSRF token).");
        return;
      }
      AuthorizationRequest request = ar.result().get();
      String username = single(form, "username");
      String password = single(form, "password");
      if (username == null || password == null || username.length() > LoginHandler.MAX_USERNAME
          || password.length() > LoginHandler.MAX_PASSWORD) {
        SignInPage.form(ctx, 400, requestId, csrf, request.clientId(), request.redirectUri(),
            "Enter your username and password.");
        return;
      }
      passwords.verify(ctx, username, password)
          .onSuccess(next -> {
            if (next.kind() == dev.jwtauth.mfa.SecondFactor.Next.Kind.DONE) {
              complete(ctx, requestId, request, next.user());
            } else {
              // fail closed: this page has no second-factor step yet, and a password alone must not do
              SignInPage.form(ctx, 403, requestId, csrf, request.clientId(), request.redirectUri(),
                  "This account signs in with a second factor (TOTP), which this page does not offer yet.");
            }
          })
          .onFailure(err -> {
            if (err instanceof ApiError e && (e.status() == 401 || e.status() == 429 || e.status() == 503)) {
              if (e.retryAfter() > 0) {
                ctx.response().putHeader("Retry-After", Long.toString(e.retryAfter()));
              }
              String message = e.status() == 401 ? BAD_CREDENTIALS
                  : e.status() == 429 ? "Too many failed sign-ins. Try again in " + e.retryAfter() + " seconds."
                  : "The server is busy. Try again in a moment.";
              SignInPage.form(ctx, e.status(), requestId, csrf, request.clientId(), request.redirectUri(), message);
            } else {
              ctx.fail(err);
            }
          });
    });
  }

  /** The password was right: the pending request is used up, a sign-in session begins, and the code goes back. */
  private void complete(RoutingContext ctx, String requestId, AuthorizationRequest request, User user) {
    long authTime = clock.millis() / 1000;
    store.takePending(requestId)
        .compose(taken -> taken ? store.createSession(user.id(), sessionTtl)
            : Future.failedFuture(new PageError(400, "invalid_request", "This sign-in request was already completed.")))
        .compose(session -> store.createCode(request, user.id(), authTime, hashOf(session), codeTtl).map(code -> {
          ctx.response().addCookie(Cookie.cookie(COOKIE, session).setPath(COOKIE_PATH).setHttpOnly(true)
              .setSecure(true).setSameSite(CookieSameSite.LAX).setMaxAge(sessionTtl.toSeconds()));
          log.info("signed in through the code flow user_id={} client_id={}", user.id(), request.clientId());
          responses.code(ctx, request, code);
          return null;
        }))
        .onFailure(err -> {
          if (err instanceof PageError e) {
            SignInPage.error(ctx, e.status, e.code, e.getMessage());
          } else {
            ctx.fail(err);
          }
        });
  }

  private static io.vertx.core.buffer.Buffer hashOf(String secret) {
    return io.vertx.core.buffer.Buffer.buffer(dev.jwtauth.tokens.Digests.sha256(secret));
  }

  /** A form field given exactly once and not empty, or null. */
  private static String single(MultiMap form, String name) {
    List<String> values = form.getAll(name);
    return values.size() != 1 || values.get(0).isEmpty() ? null : values.get(0);
  }
}
