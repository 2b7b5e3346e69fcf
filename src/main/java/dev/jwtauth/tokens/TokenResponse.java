package dev.jwtauth.tokens;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The token response of RFC 6749 §5.1, the same over {@code /auth}, {@code /oauth2/token} and the
 * event bus: {@code access_token}, {@code token_type} ({@code Bearer}, or {@code DPoP} for a token bound to a DPoP key), {@code expires_in}, and where
 * they apply {@code refresh_token}, {@code refresh_expires_in} and {@code scope}.
 *
 * @param access            the signed access token
 * @param refreshToken      the refresh token, or null (client and bus tokens have none)
 * @param refreshExpiresIn  its lifetime in seconds (ignored without one)
 * @param scopes            the granted scopes (empty: no {@code scope} member)
 */
public record TokenResponse(AccessTokens.Issued access, String refreshToken, long refreshExpiresIn, List<String> scopes) {

  /** An access token alone, with its granted scopes. */
  public static TokenResponse of(AccessTokens.Issued access, List<String> scopes) {
    return new TokenResponse(access, null, 0, scopes);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("access_token", access.token())
        .put("token_type", access.tokenType())
        .put("expires_in", access.expiresIn());
    if (refreshToken != null) {
      json.put("refresh_token", refreshToken).put("refresh_expires_in", refreshExpiresIn);
    }
    if (!scopes.isEmpty()) {
      json.put("scope", String.join(" ", scopes));
    }
    return json;
  }
}
