package dev.jwtauth.testsupport;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.util.List;
import java.util.Map;

/**
 * The server's HTTP API as a test reads it: one method per endpoint ({@link #login}, {@link #me},
 * {@link #refresh}, {@link #logout}, {@link #createUser}, {@link #token}, …), each returning the
 * whole response so the test asserts on status, headers and body itself; plus raw
 * {@link #get}/{@link #post}/{@link #request} on either origin for the odd request. Call it from
 * the JUnit thread only (it awaits each response).
 */
public final class AuthClient {
  /** Which of the server's two HTTP origins a request goes to. */
  public enum Origin { AUTH, RESOURCE }

  private static final String HOST = "127.0.0.1";

  private final WebClient web;
  private final int authPort;
  private final int resourcePort;

  public AuthClient(WebClient web, int authPort, int resourcePort) {
    this.web = web;
    this.authPort = authPort;
    this.resourcePort = resourcePort;
  }

  /** The underlying client, for what this class does not cover. */
  public WebClient web() {
    return web;
  }

  public int port(Origin origin) {
    return origin == Origin.AUTH ? authPort : resourcePort;
  }

  // ---- raw requests ----

  /** A request on {@code origin}, to add headers to before sending. */
  public HttpRequest<Buffer> request(HttpMethod method, Origin origin, String path) {
    return web.request(method, port(origin), HOST, path);
  }

  /** GET {@code path} on {@code origin}, no headers. */
  public HttpResponse<Buffer> get(Origin origin, String path) {
    return request(HttpMethod.GET, origin, path).send().await();
  }

  /** GET {@code path} on {@code origin} with a bearer token (none when null). */
  public HttpResponse<Buffer> get(Origin origin, String path, String bearer) {
    return withBearer(request(HttpMethod.GET, origin, path), bearer).send().await();
  }

  /** POST a JSON body to {@code path} on the auth origin, with a bearer token when not null. */
  public HttpResponse<Buffer> post(String path, String bearer, JsonObject body) {
    return withBearer(request(HttpMethod.POST, Origin.AUTH, path), bearer).sendJsonObject(body).await();
  }

  /** POST a form to {@code path} on the auth origin, with an {@code Authorization} header when not null. */
  public HttpResponse<Buffer> postForm(String path, String authorization, Map<String, String> form) {
    var req = request(HttpMethod.POST, Origin.AUTH, path);
    if (authorization != null) {
      req.putHeader("Authorization", authorization);
    }
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    form.forEach(m::add);
    return req.sendForm(m).await();
  }

  // ---- the API ----

  /** POST /auth/login with a username and password. */
  public HttpResponse<Buffer> login(String username, String password) {
    return login(new JsonObject().put("username", username).put("password", password));
  }

  /** POST /auth/login with any body (extra fields such as {@code refresh_cookie}). */
  public HttpResponse<Buffer> login(JsonObject body) {
    return post("/auth/login", null, body);
  }

  /** Logs in and returns the token response body, failing the test when login is not a 200. */
  public JsonObject tokens(String username, String password) {
    return ok(login(username, password), 200, "login of " + username).bodyAsJsonObject();
  }

  /** Logs in and returns the access token, failing the test when login is not a 200. */
  public String accessToken(String username, String password) {
    return tokens(username, password).getString("access_token");
  }

  /** GET /api/me on the resource origin with a bearer token (none when null). */
  public HttpResponse<Buffer> me(String accessToken) {
    return get(Origin.RESOURCE, "/api/me", accessToken);
  }

  /** POST /auth/refresh with the refresh token in the JSON body. */
  public HttpResponse<Buffer> refresh(String refreshToken) {
    return post("/auth/refresh", null, new JsonObject().put("refresh_token", refreshToken));
  }

  /** POST /auth/refresh with nothing but the refresh cookie: no body, no content type. */
  public HttpResponse<Buffer> refreshWithCookie(String cookieValue) {
    return request(HttpMethod.POST, Origin.AUTH, "/auth/refresh")
        .putHeader("Cookie", "refresh_token=" + cookieValue).send().await();
  }

  /** POST /auth/logout with the access token; with the refresh token in a JSON body, or no body when null. */
  public HttpResponse<Buffer> logout(String accessToken, String refreshToken) {
    var req = withBearer(request(HttpMethod.POST, Origin.AUTH, "/auth/logout"), accessToken);
    return refreshToken == null ? req.send().await()
        : req.sendJsonObject(new JsonObject().put("refresh_token", refreshToken)).await();
  }

  /** POST /auth/logout with the access token and the refresh cookie, no body. */
  public HttpResponse<Buffer> logoutWithCookie(String accessToken, String cookieValue) {
    return withBearer(request(HttpMethod.POST, Origin.AUTH, "/auth/logout"), accessToken)
        .putHeader("Cookie", "refresh_token=" + cookieValue).send().await();
  }

  /** POST /admin/users as {@code adminToken}. */
  public HttpResponse<Buffer> createUser(String adminToken, String username, String password, String... roles) {
    return post("/admin/users", adminToken, new JsonObject().put("username", username).put("password", password)
        .put("roles", new JsonArray(List.of(roles))));
  }

  /** POST /admin/clients as {@code adminToken}. */
  public HttpResponse<Buffer> createClient(String adminToken, String clientId, List<String> roles, List<String> scopes) {
    return post("/admin/clients", adminToken, new JsonObject().put("client_id", clientId)
        .put("roles", new JsonArray(roles)).put("scopes", new JsonArray(scopes)));
  }

  /** POST /oauth2/token with a form and no Authorization header. */
  public HttpResponse<Buffer> token(Map<String, String> form) {
    return postForm("/oauth2/token", null, form);
  }

  /** GET /.well-known/jwks.json. */
  public HttpResponse<Buffer> jwks() {
    return get(Origin.AUTH, "/.well-known/jwks.json");
  }

  /** Fails the test with the status and body unless {@code res} has {@code status}; returns it. */
  public static HttpResponse<Buffer> ok(HttpResponse<Buffer> res, int status, String what) {
    if (res.statusCode() != status) {
      throw new AssertionError(what + " failed: " + res.statusCode() + " " + res.bodyAsString());
    }
    return res;
  }

  private static HttpRequest<Buffer> withBearer(HttpRequest<Buffer> req, String token) {
    return token == null ? req : req.putHeader("Authorization", "Bearer " + token);
  }
}
