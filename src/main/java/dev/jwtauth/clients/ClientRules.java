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

  /** The grants a client may be registered for. */
  public static final List<String> GRANTS = List.of("authorization_code", "refresh_token", "client_credentials");
  /** The token endpoint authentication methods (RFC 7591 §2); {@code none} makes a public client. */
  public static final List<String> AUTH_METHODS = List.of("client_secret_basic", "client_secret_post", Client.PUBLIC);
  private static final int MAX_REDIRECT_URIS = 20;
  private static final int MAX_URI = 2_000;

  /**
   * RFC 7591 metadata of a client for the code flow, validated together.
   *
   * @param redirectUris exact redirect URIs
   * @param grantTypes   grants it may use
   * @param authMethod   token endpoint authentication method
   */
  public record Metadata(List<String> redirectUris, List<String> grantTypes, String authMethod) {
    /** A client_credentials-only confidential client: what a client without these fields is. */
    public static final Metadata CLIENT_CREDENTIALS =
        new Metadata(List.of(), List.of("client_credentials"), "client_secret_basic");

    /** Whether the client is public (no secret issued). */
    public boolean isPublic() {
      return Client.PUBLIC.equals(authMethod);
    }
  }

  /**
   * Validates the code-flow metadata. Absent grant types default to the code flow
   * ({@code authorization_code}, {@code refresh_token}) when redirect URIs are given, else to
   * {@code client_credentials} (what clients were before); absent method to {@code client_secret_basic},
   * or {@code none} nowhere (a public client must say so).
   *
   * @param redirectUris the redirect URIs (strings), or null
   * @param grantTypes   the grant types (strings), or null
   * @param authMethod   the method, or null
   */
  public static Metadata metadata(Collection<?> redirectUris, Collection<?> grantTypes, Object authMethod) {
    List<String> uris = redirectUris == null ? List.of() : redirectUris(redirectUris);
    List<String> grants;
    if (grantTypes == null) {
      grants = uris.isEmpty() ? List.of("client_credentials") : List.of("authorization_code", "refresh_token");
    } else {
      grants = new java.util.ArrayList<>();
      for (Object g : grantTypes) {
        if (!(g instanceof String name) || !GRANTS.contains(name)) {
          throw new ApiError(400, INVALID_METADATA, "grant_types may hold " + String.join(", ", GRANTS) + ".");
        }
        if (!grants.contains(name)) {
          grants.add(name);
        }
      }
      if (grants.isEmpty()) {
        throw new ApiError(400, INVALID_METADATA, "grant_types must not be empty.");
      }
      grants = List.copyOf(grants);
    }
    String method = authMethod == null ? "client_secret_basic" : authMethod instanceof String m ? m : "";
    if (!AUTH_METHODS.contains(method)) {
      throw new ApiError(400, INVALID_METADATA, "token_endpoint_auth_method must be client_secret_basic,"
          + " client_secret_post or none.");
    }
    if (grants.contains("authorization_code") && uris.isEmpty()) {
      throw new ApiError(400, "invalid_redirect_uri", "The authorization_code grant needs at least one redirect URI.");
    }
    if (!grants.contains("authorization_code") && !uris.isEmpty()) {
      throw new ApiError(400, INVALID_METADATA, "redirect_uris are for the authorization_code grant only.");
    }
    if (Client.PUBLIC.equals(method) && grants.contains("client_credentials")) {
      throw new ApiError(400, INVALID_METADATA, "A public client (token_endpoint_auth_method none) cannot use"
          + " client_credentials: it has no secret.");
    }
    if (grants.equals(List.of("refresh_token"))) {
      throw new ApiError(400, INVALID_METADATA, "refresh_token alone grants nothing: add authorization_code.");
    }
    return new Metadata(uris, grants, method);
  }

  /**
   * Valid redirect URIs: absolute {@code https}, or {@code http} to a loopback host only
   * ({@code 127.0.0.1}, {@code [::1]}, {@code localhost}; RFC 8252 §7.3), without a fragment
   * (RFC 6749 §3.1.2) or a wildcard, at most 20 of at most 2000 characters.
   */
  public static List<String> redirectUris(Collection<?> values) {
    if (values.size() > MAX_REDIRECT_URIS) {
      throw new ApiError(400, "invalid_redirect_uri", "At most " + MAX_REDIRECT_URIS + " redirect URIs.");
    }
    List<String> out = new java.util.ArrayList<>();
    for (Object v : values) {
      if (!(v instanceof String uri) || !isValidRedirectUri(uri)) {
        throw new ApiError(400, "invalid_redirect_uri", "A redirect URI must be an absolute https URL (http only to"
            + " 127.0.0.1, [::1] or localhost), without a fragment or a wildcard.");
      }
      if (!out.contains(uri)) {
        out.add(uri);
      }
    }
    return List.copyOf(out);
  }

  /** Whether {@code uri} may be registered as a redirect URI (see {@link #redirectUris}). */
  public static boolean isValidRedirectUri(String uri) {
    if (uri.isEmpty() || uri.length() > MAX_URI || uri.contains("*") || uri.contains("#")
        || uri.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
      return false;
    }
    java.net.URI u;
    try {
      u = new java.net.URI(uri);
    } catch (java.net.URISyntaxException e) {
      return false;
    }
    if (!u.isAbsolute() || u.isOpaque() || u.getRawAuthority() == null || u.getHost() == null
        || u.getRawUserInfo() != null || u.getRawFragment() != null) {
      return false;
    }
    String scheme = u.getScheme();
    if ("https".equals(scheme)) {
      return true;
    }
    String host = u.getHost();
    return "http".equals(scheme) && (host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("localhost"));
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
