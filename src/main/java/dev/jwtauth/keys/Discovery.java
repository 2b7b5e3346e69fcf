package dev.jwtauth.keys;

import dev.jwtauth.tokens.DpopProofs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The authorization server metadata (RFC 8414), also served as {@code openid-configuration}. */
public final class Discovery {
  private Discovery() {
  }

  /** The metadata of {@code issuer}, advertising {@code algorithms} for its tokens. */
  public static JsonObject document(String issuer, List<String> algorithms) {
    return new JsonObject()
        .put("issuer", issuer)
        .put("jwks_uri", issuer + "/.well-known/jwks.json")
        .put("token_endpoint", issuer + "/oauth2/token")
        .put("revocation_endpoint", issuer + "/oauth2/revoke")
        .put("introspection_endpoint", issuer + "/oauth2/introspect")
        .put("grant_types_supported", new JsonArray().add("refresh_token").add("client_credentials"))
        .put("token_endpoint_auth_methods_supported", new JsonArray().add("client_secret_basic").add("client_secret_post"))
        .put("revocation_endpoint_auth_methods_supported", new JsonArray().add("client_secret_basic").add("client_secret_post").add("none"))
        .put("introspection_endpoint_auth_methods_supported", new JsonArray().add("client_secret_basic").add("client_secret_post"))
        .put("response_types_supported", new JsonArray())
        .put("access_token_signing_alg_values_supported", new JsonArray(algorithms))
        .put("id_token_signing_alg_values_supported", new JsonArray(algorithms))
        .put("subject_types_supported", new JsonArray().add("public"))
        // RFC 9449 §5.1: the proof algorithms accepted at the token endpoint and the resources
        .put("dpop_signing_alg_values_supported", new JsonArray(DpopProofs.ALGORITHMS));
  }
}
