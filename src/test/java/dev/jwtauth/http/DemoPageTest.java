package dev.jwtauth.http;

import dev.jwtauth.config.AppConfig;
import dev.jwtauth.config.ConfigException;
import dev.jwtauth.config.ConfigLoader;
import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.SelfSignedCertificate;
import dev.jwtauth.testsupport.ServerExtension;
import dev.jwtauth.testsupport.TestServer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static dev.jwtauth.testsupport.AuthClient.Origin.AUTH;
import static dev.jwtauth.testsupport.AuthClient.Origin.RESOURCE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The demo page without a browser: {@code GET /demo} is HTML under a Content-Security-Policy that
 * allows this origin's script and style and fetches to the resource origin only;
 * {@code /demo/config.json} names the resource origin from the request's host; every other response
 * keeps the strict policy; the resource origin accepts the page's cross-origin calls.
 */
@DisplayName("Demo page: HTML under its own CSP, config.json naming the resource origin, CORS for the page")
class DemoPageTest {
  static final String STRICT_CSP = "default-src 'none'; frame-ancestors 'none'";

  /** The page's origin: the auth origin by name, the only CORS origin allowed. */
  static String pageOrigin(int authPort) {
    return "http://localhost:" + authPort;
  }

  @RegisterExtension
  static final ServerExtension server = ServerExtension.withPorts(
      ports -> Map.of("CORS_ALLOWED_ORIGINS", pageOrigin(ports.auth())));

  static AuthClient http() {
    return server.http();
  }

  static String pageOrigin() {
    return pageOrigin(server.authPort());
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  static String resourceOrigin(String host) {
    return "http://" + host + ":" + server.resourcePort();
  }

  @Test
  @DisplayName("GET /demo is the HTML page, with a CSP allowing 'self' script and style and connect-src 'self' plus the resource origin")
  void pageAndPolicy() {
    var res = http().get(AUTH, "/demo");

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Content-Type")).startsWith("text/html");
    assertThat(res.bodyAsString()).contains("<script type=\"module\" src=\"/demo/demo.js\"></script>")
        .contains("href=\"/demo/demo.css\"").contains("id=\"call-me\"");
    String csp = res.getHeader("Content-Security-Policy");
    assertThat(csp).contains("default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
        "connect-src 'self' " + resourceOrigin("127.0.0.1") + ";");
    assertThat(csp).doesNotContain("unsafe-inline", "unsafe-eval", "*");
    assertThat(res.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(res.getHeader("X-Frame-Options")).isEqualTo("DENY");
  }

  @Test
  @DisplayName("The page has no inline script or style, which its CSP would block")
  void noInlineCode() {
    String html = http().get(AUTH, "/demo/").bodyAsString();

    assertThat(html).doesNotContainPattern("<script(?![^>]*\\bsrc=)[^>]*>").doesNotContain("<style", " style=", "onclick=");
  }

  @Test
  @DisplayName("The script and the style sheet are served with their types and the page's CSP")
  void assets() {
    var js = http().get(AUTH, "/demo/demo.js");
    var css = http().get(AUTH, "/demo/demo.css");

    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.getHeader("Content-Type")).contains("javascript");
    assertThat(js.bodyAsString()).contains("refresh_cookie: true").doesNotContain("localStorage.", "sessionStorage.");
    for (String module : List.of("/demo/page.js", "/demo/codeflow.js", "/demo/dpop.js")) {
      var res = http().get(AUTH, module);
      assertThat(res.statusCode()).as(module).isEqualTo(200);
      assertThat(res.getHeader("Content-Type")).as(module).contains("javascript");
      assertThat(res.bodyAsString()).as(module).doesNotContain("localStorage.", "sessionStorage.", "document.cookie");
    }
    // the DPoP key: ECDSA P-256 made with extractable false
    assertThat(http().get(AUTH, "/demo/dpop.js").bodyAsString())
        .contains("generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])");
    assertThat(css.statusCode()).isEqualTo(200);
    assertThat(css.getHeader("Content-Type")).startsWith("text/css");
    assertThat(js.getHeader("Content-Security-Policy")).contains("script-src 'self'");
  }

  @Test
  @DisplayName("GET /demo/config.json names the resource origin with the request's host name and RESOURCE_HTTP_PORT")
  void config() {
    var res = http().get(AUTH, "/demo/config.json");
    var byName = http().request(HttpMethod.GET, AUTH, "/demo/config.json")
        .putHeader("Host", "localhost:" + server.authPort()).send().await();

    assertThat(res.statusCode()).isEqualTo(200);
    assertThat(res.getHeader("Cache-Control")).isEqualTo("no-store");
    JsonObject body = res.bodyAsJsonObject();
    assertThat(body.getString("resource_url")).isEqualTo(resourceOrigin("127.0.0.1"));
    assertThat(body.getString("auth_url")).isEqualTo("http://127.0.0.1:" + server.authPort());
    assertThat(body.getBoolean("cors_allowed")).as("127.0.0.1 is not in the CORS list").isFalse();
    assertThat(body.getBoolean("refresh_cookie_mode")).isFalse();
    assertThat(body.getBoolean("code_flow")).as("DEMO_CLIENT is off by default").isFalse();
    assertThat(body.getString("client_id")).isEqualTo("demo");
    assertThat(body.getString("redirect_uri")).isEqualTo(ConfigLoader.defaults().getString("ISSUER") + "/demo/");
    assertThat(byName.bodyAsJsonObject().getString("resource_url")).isEqualTo(resourceOrigin("localhost"));
    assertThat(byName.bodyAsJsonObject().getBoolean("cors_allowed")).isTrue();
    assertThat(res.getHeader("Content-Security-Policy")).isEqualTo(STRICT_CSP);
  }

  @Test
  @DisplayName("DEMO_CLIENT=true registers the public client demo (code flow, redirect URI ISSUER/demo/, openid profile) and its sign-in page answers")
  void demoClientRegistered() {
    int authPort = TestServer.freePort();
    String origin = "http://localhost:" + authPort;
    try (TestServer demo = TestServer.start(Map.of("ISSUER", origin, "DEMO_CLIENT", "true", "CORS_ALLOWED_ORIGINS", origin),
        authPort, TestServer.freePort())) {
      String admin = demo.adminToken();
      JsonObject client = demo.http().get(AUTH, "/admin/clients/demo", admin).bodyAsJsonObject();
      assertThat(client.getBoolean("public")).isTrue();
      assertThat(client.getJsonArray("redirect_uris").getList()).containsExactly(origin + "/demo/");
      assertThat(client.getJsonArray("grant_types").getList()).containsExactlyInAnyOrder("authorization_code", "refresh_token");
      assertThat(client.getString("scope")).isEqualTo("openid profile");
      assertThat(client.getJsonArray("roles").getList()).isEmpty();

      var config = demo.http().request(HttpMethod.GET, AUTH, "/demo/config.json")
          .putHeader("Host", "localhost:" + authPort).send().await().bodyAsJsonObject();
      assertThat(config.getBoolean("code_flow")).isTrue();
      assertThat(config.getString("redirect_uri")).isEqualTo(origin + "/demo/");

      var signIn = demo.http().request(HttpMethod.GET, AUTH, "/oauth2/authorize?response_type=code&client_id=demo"
          + "&redirect_uri=" + encode(origin + "/demo/") + "&scope=openid%20profile&state=s1"
          + "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256").send().await();
      assertThat(signIn.statusCode()).isEqualTo(200);
      assertThat(signIn.bodyAsString()).contains("name=\"username\"", "name=\"password\"", "to continue to <strong>demo</strong>");

      var elsewhere = demo.http().request(HttpMethod.GET, AUTH, "/oauth2/authorize?response_type=code&client_id=demo"
          + "&redirect_uri=" + encode("http://localhost:" + authPort + "/demo/x")
          + "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256").send().await();
      assertThat(elsewhere.statusCode()).as("only the page itself is a redirect URI").isEqualTo(400);
      assertThat(elsewhere.getHeader("Location")).isNull();
    }
  }

  @Test
  @DisplayName("DEMO_CLIENT never changes an existing client named demo: an administrator's registration survives a restart")
  void demoClientLeavesExistingAlone() {
    int authPort = TestServer.freePort();
    String origin = "http://localhost:" + authPort;
    try (TestServer demo = TestServer.start(Map.of("ISSUER", origin, "DEMO_CLIENT", "true"), authPort, TestServer.freePort())) {
      String admin = demo.adminToken();
      assertThat(demo.http().request(HttpMethod.DELETE, AUTH, "/admin/clients/demo")
          .putHeader("Authorization", "Bearer " + admin).send().await().statusCode()).isEqualTo(204);
      var created = demo.http().post("/admin/clients", admin, new JsonObject().put("client_id", "demo")
          .put("redirect_uris", new io.vertx.core.json.JsonArray().add("https://app.example.com/callback"))
          .put("scope", "openid"));
      assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);

      demo.restart();

      JsonObject client = demo.http().get(AUTH, "/admin/clients/demo", demo.adminToken()).bodyAsJsonObject();
      assertThat(client.getBoolean("public")).isFalse();
      assertThat(client.getJsonArray("redirect_uris").getList()).containsExactly("https://app.example.com/callback");
    }
  }

  @Test
  @DisplayName("DEMO_CLIENT=true with an ISSUER that cannot be a redirect URI (plain http to a non-loopback host) stops start-up naming DEMO_CLIENT")
  void demoClientNeedsUsableIssuer() {
    JsonObject settings = ConfigLoader.defaults().put("DEMO_CLIENT", "true").put("ISSUER", "http://auth.example.com");

    assertThatThrownBy(() -> AppConfig.from(settings)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("DEMO_CLIENT").hasMessageContaining("http://auth.example.com/demo/");
    assertThat(AppConfig.from(ConfigLoader.defaults().put("DEMO_CLIENT", "true")).demoRedirectUri())
        .isEqualTo("http://localhost:8080/demo/");
  }

  @Test
  @DisplayName("A Host that is not a plain host name is not echoed into the CSP or config.json")
  void oddHost() {
    var res = http().request(HttpMethod.GET, AUTH, "/demo/config.json")
        .putHeader("Host", "a_b\"c").send().await();

    assertThat(res.statusCode()).isLessThan(500);
    if (res.statusCode() == 200) {
      assertThat(res.bodyAsJsonObject().getString("resource_url")).isEqualTo(resourceOrigin("localhost"));
    }
  }

  @Test
  @DisplayName("Every other response keeps the strict CSP")
  void strictElsewhere() {
    assertThat(http().get(AUTH, "/health").getHeader("Content-Security-Policy")).isEqualTo(STRICT_CSP);
    assertThat(http().login("admin", TestServer.ADMIN_PASSWORD).getHeader("Content-Security-Policy")).isEqualTo(STRICT_CSP);
    assertThat(http().get(RESOURCE, "/public/ping").getHeader("Content-Security-Policy")).isEqualTo(STRICT_CSP);
    assertThat(http().get(AUTH, "/nothing/here").getHeader("Content-Security-Policy")).isEqualTo(STRICT_CSP);
  }

  @Test
  @DisplayName("By default CORS_ALLOWED_ORIGINS is the default auth origin, http://localhost:8080")
  void defaultCorsOrigin() {
    assertThat(ConfigLoader.defaults().getString("CORS_ALLOWED_ORIGINS")).isEqualTo("http://localhost:8080");
  }

  @Test
  @DisplayName("The resource origin lets the page's origin call /api/me with an Authorization header")
  void resourceAcceptsThePage() {
    var preflight = http().request(HttpMethod.OPTIONS, RESOURCE, "/api/me")
        .putHeader("Origin", pageOrigin())
        .putHeader("Access-Control-Request-Method", "GET")
        .putHeader("Access-Control-Request-Headers", "authorization").send().await();
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.getHeader("Access-Control-Allow-Origin")).isEqualTo(pageOrigin());
    assertThat(preflight.getHeader("Access-Control-Allow-Headers")).containsIgnoringCase("authorization");

    String token = server.adminToken();
    var me = http().request(HttpMethod.GET, RESOURCE, "/api/me").putHeader("Origin", pageOrigin())
        .putHeader("Authorization", "Bearer " + token).send().await();
    assertThat(me.statusCode()).isEqualTo(200);
    assertThat(me.getHeader("Access-Control-Allow-Origin")).isEqualTo(pageOrigin());
  }

  @Test
  @DisplayName("A same-origin POST (Origin equal to the server's own origin) passes even when that origin is not in the CORS list")
  void sameOriginIsNotCors() {
    String self = "http://127.0.0.1:" + server.authPort();
    var login = http().request(HttpMethod.POST, AUTH, "/auth/login").putHeader("Origin", self)
        .sendJsonObject(new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)
            .put("refresh_cookie", true)).await();
    assertThat(login.statusCode()).as("body %s", login.bodyAsString()).isEqualTo(200);
    assertThat(login.getHeader("Access-Control-Allow-Origin")).isNull();

    var foreign = http().request(HttpMethod.POST, AUTH, "/auth/login")
        .putHeader("Origin", "http://127.0.0.1:" + server.resourcePort())
        .sendJsonObject(new JsonObject().put("username", "admin").put("password", TestServer.ADMIN_PASSWORD)).await();
    assertThat(foreign.statusCode()).isEqualTo(403);
    assertThat(foreign.getHeader("Access-Control-Allow-Origin")).isNull();
  }

  @Test
  @DisplayName("With TLS, config.json, the page's CSP and the OpenAPI servers name https origins")
  void httpsWithTls() throws Exception {
    SelfSignedCertificate cert = SelfSignedCertificate.create("demo-tls");
    try (TestServer tls = TestServer.start(cert.settings())) {
      WebClient https = WebClient.create(tls.app().vertx(),
          new WebClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false));
      String resource = "https://127.0.0.1:" + tls.resourcePort();

      var config = https.get(tls.authPort(), "127.0.0.1", "/demo/config.json").send().await();
      var page = https.get(tls.authPort(), "127.0.0.1", "/demo").send().await();
      var openapi = https.get(tls.resourcePort(), "127.0.0.1", OpenApi.PATH).send().await();

      assertThat(config.bodyAsJsonObject().getString("resource_url")).isEqualTo(resource);
      assertThat(page.getHeader("Content-Security-Policy")).contains("connect-src 'self' " + resource + ";");
      assertThat(openapi.bodyAsJsonObject().getJsonArray("servers").getJsonObject(1).getString("url")).isEqualTo(resource);
      https.close();
    }
  }
}
