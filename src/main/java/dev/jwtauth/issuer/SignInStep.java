package dev.jwtauth.issuer;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.http.ClientAddress;
import dev.jwtauth.mfa.SecondFactor;
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
 * The sign-in page's steps: the form's hidden {@code request_id} and {@code csrf_token} name a
 * pending authorization request (a wrong, missing or foreign token is a 403 page), then the
 * password goes through the same {@link PasswordCheck} as {@code /auth/login}; on success the
 * pending request is used up, a sign-in session begins ({@link #COOKIE}) and the code goes back.
 *
 * <p>A user with a confirmed TOTP gets, after the right password, the second-factor form
 * ({@link SignInPage#secondFactor}) carrying the login challenge ({@code mfa_token}) beside the
 * same hidden fields; its post goes through {@link SecondFactor#verify} like {@code /auth/login}'s
 * second call (wrong codes count toward the lockout, a code is used once), and only then is the
 * sign-in completed, with {@code amr ["pwd","otp"]} recorded in the session and the code. A user who
 * must enrol first ({@code REQUIRE_MFA_ROLES}) gets a page saying so, and nothing else.
 */
final class SignInStep {
  private static final Logger log = LoggerFactory.getLogger(SignInStep.class);
  /** The sign-in session cookie: HttpOnly, Secure, SameSite=Lax, path {@code /oauth2}. */
  static final String COOKIE = "signin_session";
  static final String COOKIE_PATH = "/oauth2";
  private static final String BAD_CREDENTIALS = "Invalid username or password.";

  private static final String SIGN_IN_AGAIN =
      "This sign-in has expired or had too many wrong codes. Sign in again.";
  private static final int MAX_CODE = 16;
  private static final int MAX_RECOVERY_CODE = 64;

  private final AuthorizationStore store;
  private final PasswordCheck passwords;
  private final SecondFactor secondFactor;
  private final ClientAddress addresses;
  private final AuthorizationResponses responses;
  private final Duration codeTtl;
  private final Duration sessionTtl;
  private final Clock clock;

  SignInStep(AuthorizationStore store, PasswordCheck passwords, SecondFactor secondFactor, ClientAddress addresses,
             AuthorizationResponses responses, Duration codeTtl, Duration sessionTtl, Clock clock) {
    this.store = store;
    this.passwords = passwords;
    this.secondFactor = secondFactor;
    this.addresses = addresses;
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

  /**
   * The sign-in step: the pending request its hidden fields name (CSRF-checked), then the password,
   * or, when the form carries {@code mfa_token}, the second factor.
   */
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
      if (form.contains("mfa_token")) {
        secondStep(ctx, form, requestId, csrf, request);
        return;
      }
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
            switch (next.kind()) {
              case DONE -> complete(ctx, requestId, request, next.user(), SecondFactor.AMR_PWD);
              // no cookie, no code yet: the sign-in is complete only after the second factor
              case MFA_REQUIRED -> SignInPage.secondFactor(ctx, 200, requestId, csrf, request.clientId(),
                  request.redirectUri(), next.mfaToken(), null);
              // the enrolment challenge is not shown: this page does not enrol (the console and the API do)
              case ENROLLMENT_REQUIRED -> SignInPage.enrolmentRequired(ctx, request.clientId());
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

  /**
   * The second-factor form's post: exactly one of {@code code} and {@code recovery_code} for the
   * login challenge {@code mfa_token}. A wrong code shows the form again with a generic error (the
   * challenge lives on until it has had {@link dev.jwtauth.mfa.TotpStore#MAX_ATTEMPTS} wrong codes);
   * a dead challenge goes back to the password form.
   */
  private void secondStep(RoutingContext ctx, MultiMap form, String requestId, String csrf, AuthorizationRequest request) {
    String mfaToken = single(form, "mfa_token");
    if (mfaToken == null || mfaToken.length() > LoginHandler.MAX_MFA_TOKEN) {
      SignInPage.form(ctx, 400, requestId, csrf, request.clientId(), request.redirectUri(), SIGN_IN_AGAIN);
      return;
    }
    String code = single(form, "code");
    String recovery = single(form, "recovery_code");
    if ((code == null) == (recovery == null) || (code != null && code.length() > MAX_CODE)
        || (recovery != null && recovery.length() > MAX_RECOVERY_CODE)) {
      SignInPage.secondFactor(ctx, 400, requestId, csrf, request.clientId(), request.redirectUri(), mfaToken,
          "Enter the code from your authenticator app, or one recovery code.");
      return;
    }
    String address = addresses.of(ctx.request());
    secondFactor.verify(mfaToken, code, recovery, address)
        .onComplete(ar -> LoginHandler.recordSecondStep(ctx, address, ar))
        .onSuccess(verified -> complete(ctx, requestId, request, verified.user(), verified.amr()))
        .onFailure(err -> {
          if (err == SecondFactor.BAD_CHALLENGE) {
            SignInPage.form(ctx, 401, requestId, csrf, request.clientId(), request.redirectUri(), SIGN_IN_AGAIN);
          } else if (err instanceof ApiError e && (e.status() == 401 || e.status() == 429)) {
            if (e.retryAfter() > 0) {
              ctx.response().putHeader("Retry-After", Long.toString(e.retryAfter()));
            }
            SignInPage.secondFactor(ctx, e.status(), requestId, csrf, request.clientId(), request.redirectUri(),
                mfaToken, e.status() == 401 ? "That code is not valid. Try again."
                    : "Too many failed sign-ins. Try again in " + e.retryAfter() + " seconds.");
          } else {
            ctx.fail(err);
          }
        });
  }

  /**
   * The sign-in was proven ({@code amr}): the pending request is used up, a sign-in session
   * begins, and the code goes back.
   */
  private void complete(RoutingContext ctx, String requestId, AuthorizationRequest request, User user,
                        List<String> amr) {
    long authTime = clock.millis() / 1000;
    store.takePending(requestId)
        .compose(taken -> taken ? store.createSession(user.id(), amr, sessionTtl)
            : Future.failedFuture(new PageError(400, "invalid_request", "This sign-in request was already completed.")))
        .compose(session -> store.createCode(request, user.id(), authTime, amr, hashOf(session), codeTtl).map(code -> {
          ctx.response().addCookie(Cookie.cookie(COOKIE, session).setPath(COOKIE_PATH).setHttpOnly(true)
              .setSecure(true).setSameSite(CookieSameSite.LAX).setMaxAge(sessionTtl.toSeconds()));
          log.info("signed in through the code flow user_id={} client_id={} amr={}", user.id(), request.clientId(),
              String.join(",", amr));
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
