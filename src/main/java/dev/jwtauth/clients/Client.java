package dev.jwtauth.clients;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;

/**
 * A registered OAuth 2 client.
 *
 * @param clientId     its id (also the {@code sub} of its client_credentials tokens; never shaped like a user id)
 * @param secretHash   {@code sha256$<base64>} of its secret, or null for a public client
 * @param roles        roles its tokens may carry (never {@code admin})
 * @param scopes       scopes it may ask for
 * @param disabled     a disabled client cannot authenticate
 * @param createdAt    when it was registered
 * @param redirectUris its registered redirect URIs (RFC 7591 {@code redirect_uris}), matched exactly
 * @param grantTypes   the grants it may use (RFC 7591 {@code grant_types})
 * @param authMethod   {@code client_secret_basic}, {@code client_secret_post} or {@code none} (public)
 */
public record Client(String clientId, String secretHash, List<String> roles, List<String> scopes, boolean disabled,
                     OffsetDateTime createdAt, List<String> redirectUris, List<String> grantTypes, String authMethod) {

  /** The method of a public client: no secret; PKCE is its proof. */
  public static final String PUBLIC = "none";

  static Client fromRow(Row row) {
    return new Client(row.getString("client_id"), row.getString("secret_hash"),
        Arrays.asList(row.getArrayOfStrings("roles")), Arrays.asList(row.getArrayOfStrings("scopes")),
        row.getBoolean("disabled"), row.getOffsetDateTime("created_at"),
        Arrays.asList(row.getArrayOfStrings("redirect_uris")), Arrays.asList(row.getArrayOfStrings("grant_types")),
        row.getString("token_endpoint_auth_method"));
  }

  /** Whether it is a public client (no secret). */
  public boolean isPublic() {
    return PUBLIC.equals(authMethod);
  }

  /** Whether it may use {@code grant}. */
  public boolean allows(String grant) {
    return grantTypes.contains(grant);
  }

  /** Constant-time check of a presented secret; false for a disabled or public client. */
  public boolean secretMatches(String secret) {
    return !disabled && secretHash != null && secret != null
        && MessageDigest.isEqual(secretHash.getBytes(StandardCharsets.US_ASCII),
        ClientRules.hashSecret(secret).getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * What the admin API shows: never the secret or its hash (nor the word: the registered
   * authentication method shows as {@code public}, since a confidential client may use Basic or
   * form credentials alike). {@code scope} is RFC 7591's form of {@code scopes}.
   */
  public JsonObject toJson() {
    return new JsonObject().put("client_id", clientId).put("roles", new JsonArray(roles))
        .put("scopes", new JsonArray(scopes)).put("scope", String.join(" ", scopes))
        .put("redirect_uris", new JsonArray(redirectUris)).put("grant_types", new JsonArray(grantTypes))
        .put("public", isPublic()).put("disabled", disabled)
        .put("created_at", createdAt == null ? null : createdAt.toEpochSecond());
  }
}
