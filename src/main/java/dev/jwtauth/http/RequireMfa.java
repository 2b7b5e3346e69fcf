package dev.jwtauth.http;

import dev.jwtauth.tokens.TokenVerifier;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * {@code REQUIRE_MFA_ROLES}: refuses a token whose {@code roles} hold one of these roles but whose
 * {@code amr} lacks {@code otp} (a session that began before the rule, or before the role was
 * granted). RFC 9470 §3: 401 with {@code error="insufficient_user_authentication"}; the client
 * signs in again with its second factor. With no such roles configured it lets everything through.
 */
public final class RequireMfa implements Handler<RoutingContext> {
  private final List<String> roles;

  private RequireMfa(List<String> roles) {
    this.roles = roles;
  }

  public static RequireMfa of(List<String> roles) {
    return new RequireMfa(List.copyOf(roles));
  }

  /** Whether a holder of {@code held} must sign in with a second factor. */
  public static boolean required(List<String> mfaRoles, List<?> held) {
    return held.stream().anyMatch(mfaRoles::contains);
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (roles.isEmpty() || ctx.user() == null) {
      ctx.next();
      return;
    }
    JsonObject claims = TokenVerifier.claims(ctx.user());
    JsonArray held = claims.getJsonArray("roles", new JsonArray());
    JsonArray amr = claims.getJsonArray("amr", new JsonArray());
    if (!required(roles, held.getList()) || amr.contains("otp")) {
      ctx.next();
      return;
    }
    ctx.fail(new ApiError(401, "insufficient_user_authentication",
        "This role requires a sign-in with a second factor (TOTP); sign in again with it.")
        .challenge("Bearer error=\"insufficient_user_authentication\","
            + " error_description=\"a second factor is required\""));
  }
}
