package dev.jwtauth.clients;

import dev.jwtauth.http.ApiError;
import dev.jwtauth.tokens.Digests;
import dev.jwtauth.tokens.Names;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a client may be, for the admin API, the event bus and the command line alike (RFC 7591's
 * {@code invalid_client_metadata} for a bad registration): a client id of 1-128 letters, digits or
 * {@code . _ -} that is not shaped like a user id (a UUID), so a client's {@code sub} never equals a
 * user's; roles without {@code admin}; scopes by the rules of {@link Names}.
 */
public final class ClientRules {
  public static final String INVALID_METADATA = "invalid_client_metadata";
  private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final Pattern UUID_SHAPE =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private ClientRules() {
  }

  /** A valid client id, or a 400 {@code invalid_client_metadata}. */
  public static String clientId(Object value) {
    if (!(value instanceof String id) || !CLIENT_ID.matcher(id).matches()) {
      throw new ApiError(400, INVALID_METADATA, "client_id must be 1-128 letters, digits or . _ -.");
    }
    if (isUserShaped(id)) {
      throw new ApiError(400, INVALID_METADATA, "client_id must not be shaped like a user id (a UUID).");
    }
    return id;
  }

  /** Whether a subject has the shape of a user id: such subjects belong to users only. */
  public static boolean isUserShaped(String subject) {
    return UUID_SHAPE.matcher(subject).matches();
  }

  /** A client's roles: valid names, and never {@value Names#ADMIN}. */
  public static List<String> roles(Collection<?> values) {
    List<String> roles = Names.ROLES.check(values, "roles", INVALID_METADATA);
    if (roles.contains(Names.ADMIN)) {
      throw new ApiError(400, INVALID_METADATA, "The admin role is never granted to a client.");
    }
    return roles;
  }

  /** A client's scopes. */
  public static List<String> scopes(Collection<?> values) {
    return Names.SCOPES.check(values, "scopes", INVALID_METADATA);
  }

  /** A new secret: 256 random bits, base64url (shown once, stored as {@link #hashSecret}). */
  public static String newSecret() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** {@code sha256$<base64>} of a secret: a server-made 256-bit secret needs no slow hash. */
  public static String hashSecret(String secret) {
    return "sha256$" + Base64.getEncoder().withoutPadding().encodeToString(Digests.sha256(secret));
  }
}
