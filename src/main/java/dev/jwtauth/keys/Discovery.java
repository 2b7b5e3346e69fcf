package dev.jwtauth.keys;

import dev.jwtauth.tokens.DpopProofs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** The authorization server metadata (RFC 8414), also served as {@code openid-configuration}. */
public final class Discovery {
  private Discovery() {
  }

  /**
   * The metadata of {@code issuer}, advertising {@code algorithms} for its tokens: RFC 8414 and
   * OpenID Connect Discovery 1.0, claiming only what the server does (the code flow with S256 PKCE,
   * query responses with {@code iss}, ID tokens, userinfo, RP-initiated logout).
   */
  public static JsonObject document(String issuer, List<String> algorithms) {
    return new JsonObject()
        .put("issuer", issuer)
        .put("authorization_endpoint", issuer + "/oauth2/authorize")
        .put("token_endpoint", issuer + "/oauth2/token")
        .put("userinfo_endpoint", issuer + "/oauth2/userinfo")
        .put("end_session_endpoint", issuer + "/oauth2/logout")
        .put("jwks_uri", issuer + "/.well-known/jwks.json")
        .put("revocation_endpoint", issuer + "/oauth2/revoke")
        .put("introspection_endpoint", issuer + "/oauth2/introspect")
        .put("response_types_supported", new JsonArray().add("code"))
        .put("response_modes_supported", new JsonArray().add("query"))
        .put("grant_types_supported", new JsonArray().add("authorization_code").add("refresh_token").add("client_credentials"))
        .put("code_challenge_methods_supported", new JsonArray().add("S256"))
        .put("token_endpoint_auth_methods_supported", new JsonArray().add("client_secret_basic").add("client_secret_post").add("none"))
        .put("revocation_endpoint_auth_methods_supported", new JsonArray().add("client_secret_basic").add("client_secret_post").add("none"))
        .put("introspection_endpoint_auth_methods_supported", new JsonArray().add("client_secret_basic").add("client_secret_post"))
        .put("scopes_supported", new JsonArray().add("openid").add("profile").add("roles"))
        .put("claims_supported", new JsonArray().add("iss").add("sub").add("aud").add("exp").add("iat").add("auth_time")
            .add("nonce").add("at_hash").add("sid").add("amr").add("azp").add("preferred_username").add("roles"))
        .put("subject_types_supported", new JsonArray().add("public"))
        .put("access_token_signing_alg_values_supported", new JsonArray(algorithms))
        .put("id_token_signing_alg_values_supported", new JsonArray(algorithms))
        .put("subject_types_supported", new JsonArray().add("public"))
        // RFC 9449 §5.1: the proof algorithms accepted at the token endpoint and the resources
        .put("dpop_signing_alg_values_supported", new JsonArray(DpopProofs.ALGORITHMS))
        .put("prompt_values_supported", new JsonArray().add("none").add("login"))
        .put("authorization_response_iss_parameter_supported", true)
        .put("claims_parameter_supported", false)
        .put("request_parameter_supported", false)
        .put("request_uri_parameter_supported", false);
  }
}
