package dev.jwtauth.issuer;

import dev.jwtauth.http.JsonBodies;
import dev.jwtauth.users.PasswordPolicy;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /auth/login {"username","password","refresh_cookie"?}}: checks the password with
 * {@link PasswordCheck} (the same check as the code flow's sign-in page: lockout, gates, timing)
 * and answers the token response. With {@code "refresh_cookie": true} the refresh token is set as
 * an HttpOnly cookie, not sent in the body.
 */
final class LoginHandler implements Handler<RoutingContext> {
  static final int MAX_USERNAME = 256;
  static final int MAX_PASSWORD = PasswordPolicy.MAX_LENGTH;

  private final PasswordCheck passwords;
  private final TokenService tokens;
  private final TokenResponses responses;

  LoginHandler(PasswordCheck passwords, TokenService tokens, TokenResponses responses) {
    this.passwords = passwords;
    this.tokens = tokens;
    this.responses = responses;
  }

  @Override
  public void handle(RoutingContext ctx) {
    JsonObject body = JsonBodies.object(ctx);
    String username = JsonBodies.string(body, "username", MAX_USERNAME);
    String password = JsonBodies.string(body, "password", MAX_PASSWORD);
    boolean asCookie = JsonBodies.optionalBoolean(body, "refresh_cookie");
    passwords.verify(ctx, username, password)
        .compose(tokens::issueForUser)
        .onSuccess(res -> responses.send(ctx, res, asCookie))
        .onFailure(ctx::fail);
  }
}
