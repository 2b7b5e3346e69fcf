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
 * @param clientId   its id (also the {@code sub} of its client_credentials tokens; never shaped like a user id)
 * @param secretHash {@code sha256$<base64>} of its secret
 * @param roles      roles its tokens may carry (never {@code admin})
 * @param scopes     scopes it may ask for
 * @param disabled   a disabled client cannot authenticate
 * @param createdAt  when it was registered
 */
public record Client(String clientId, String secretHash, List<String> roles, List<String> scopes, boolean disabled,
                     OffsetDateTime createdAt) {

  static Client fromRow(Row row) {
    return new Client(row.getString("client_id"), row.getString("secret_hash"),
        Arrays.asList(row.getArrayOfStrings("roles")), Arrays.asList(row.getArrayOfStrings("scopes")),
        row.getBoolean("disabled"), row.getOffsetDateTime("created_at"));
  }

  /** Constant-time check of a presented secret; false for a disabled client. */
  public boolean secretMatches(String secret) {
    return !disabled && MessageDigest.isEqual(secretHash.getBytes(StandardCharsets.US_ASCII),
        ClientRules.hashSecret(secret).getBytes(StandardCharsets.US_ASCII));
  }

  /** What the admin API shows: never the secret or its hash. */
  public JsonObject toJson() {
    return new JsonObject().put("client_id", clientId).put("roles", new JsonArray(roles))
        .put("scopes", new JsonArray(scopes)).put("disabled", disabled)
        .put("created_at", createdAt == null ? null : createdAt.toEpochSecond());
  }
}
