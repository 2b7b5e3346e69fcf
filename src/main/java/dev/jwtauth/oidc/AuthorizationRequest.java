package dev.jwtauth.oidc;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * An authorization request as validated by {@code GET /oauth2/authorize}: what the code it ends in
 * is bound to, and what the redirect carries back.
 *
 * @param clientId      the client
 * @param redirectUri   the registered redirect URI (exactly as registered)
 * @param state         the client's {@code state}, echoed exactly, or null
 * @param nonce         the OIDC {@code nonce}, put in the ID token, or null
 * @param codeChallenge the S256 PKCE challenge
 * @param scopes        the granted scopes
 * @param maxAge        OIDC {@code max_age} in seconds, or null
 * @param prompt        {@code login}, {@code none} or null
 * @param redirectGiven whether the request named {@code redirect_uri} (RFC 6749 §4.1.3: the token
 *                      request must then repeat it; else it may leave it out)
 */
public record AuthorizationRequest(String clientId, String redirectUri, String state, String nonce, String codeChallenge,
                                   List<String> scopes, Long maxAge, String prompt, boolean redirectGiven) {

  public JsonObject toJson() {
    return new JsonObject().put("client_id", clientId).put("redirect_uri", redirectUri).put("state", state)
        .put("nonce", nonce).put("code_challenge", codeChallenge).put("scopes", new JsonArray(scopes))
        .put("max_age", maxAge).put("prompt", prompt).put("redirect_given", redirectGiven);
  }

  public static AuthorizationRequest fromJson(JsonObject json) {
    return new AuthorizationRequest(json.getString("client_id"), json.getString("redirect_uri"),
        json.getString("state"), json.getString("nonce"), json.getString("code_challenge"),
        json.getJsonArray("scopes").stream().map(String.class::cast).toList(), json.getLong("max_age"),
        json.getString("prompt"), json.getBoolean("redirect_given", true));
  }

  /** Whether the OpenID scope was asked (an ID token is then issued). */
  public boolean isOpenId() {
    return scopes.contains("openid");
  }
}
