package dev.jwtauth.http;

import dev.jwtauth.testsupport.AuthClient.Origin;
import dev.jwtauth.testsupport.ServerExtension;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document cannot drift from the code: its operations, origin by origin, are exactly
 * the routes the running routers have (every route with an exact path; prefix routes such as the
 * {@code /admin/*} guard, the {@code /demo/*} static files and failure-only handlers are not
 * operations). Both origins serve it, with their URLs in {@code servers}.
 */
@DisplayName("OpenAPI document: valid 3.0, served by both origins, and exactly the routes of the running routers")
class OpenApiTest {
  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
  private static final Pattern PARAM = Pattern.compile(":([A-Za-z0-9_]+)");
  @RegisterExtension
  static final ServerExtension server = ServerExtension.create();
  static JsonObject fromAuth;
  static JsonObject fromResource;
  static String authUrl;
  static String resourceUrl;

  @BeforeAll
  static void fetchDocuments() {
    authUrl = "http://127.0.0.1:" + server.authPort();
    resourceUrl = "http://127.0.0.1:" + server.resourcePort();
    var a = server.http().get(Origin.AUTH, OpenApi.PATH);
    var r = server.http().get(Origin.RESOURCE, OpenApi.PATH);
    assertThat(a.statusCode()).isEqualTo(200);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(a.getHeader("Content-Type")).isEqualTo("application/json");
    fromAuth = a.bodyAsJsonObject();
    fromResource = r.bodyAsJsonObject();
  }

  /** "METHOD /path/{param}" of every operation whose servers (path item's, else the document's) include {@code origin}. */
  static Set<String> documented(JsonObject doc, String origin) {
    Set<String> ops = new TreeSet<>();
    JsonObject paths = doc.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (!METHODS.contains(method)) {
          continue;
        }
        JsonArray servers = item.getJsonObject(method).getJsonArray("servers",
            item.getJsonArray("servers", doc.getJsonArray("servers")));
        if (servers.stream().map(s -> ((JsonObject) s).getString("url")).anyMatch(origin::equals)) {
          ops.add(method.toUpperCase(Locale.ROOT) + " " + path);
        }
      }
    }
    return ops;
  }

  /** "METHOD /path/{param}" of every route with an exact path ({@code :param} written as {@code {param}}). */
  static Set<String> routed(List<Route> routes) {
    Set<String> ops = new TreeSet<>();
    for (Route route : routes) {
      if (route.getPath() == null || !route.isExactPath()) {
        continue;
      }
      assertThat(route.methods()).as("exact-path route %s must name its methods to be documented", route.getPath())
          .isNotEmpty();
      String path = PARAM.matcher(route.getPath()).replaceAll("{$1}");
      for (HttpMethod method : route.methods()) {
        ops.add(method.name() + " " + path);
      }
    }
    return ops;
  }

  @Test
  @DisplayName("The document is JSON with openapi 3.0.x, info, paths and the error schema {error, error_description}")
  void valid() throws Exception {
    JsonObject file;
    try (InputStream in = getClass().getClassLoader().getResourceAsStream("openapi.json")) {
      assertThat(in).as("openapi.json on the class path").isNotNull();
      file = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    assertThat(file.getString("openapi")).matches("3\\.0\\.\\d+");
    assertThat(file.getJsonObject("info").getString("title")).isNotBlank();
    assertThat(file.getJsonObject("info").getString("version")).isNotBlank();
    JsonObject error = file.getJsonObject("components").getJsonObject("schemas").getJsonObject("Error");
    assertThat(error.getJsonArray("required")).containsExactly("error", "error_description");
    assertThat(error.getJsonObject("properties").fieldNames()).containsExactlyInAnyOrder("error", "error_description");
    assertThat(fromAuth).as("served = the file with its servers' URLs replaced").isEqualTo(rendered(file));
  }

  /** The file with its template origins replaced as the server would for 127.0.0.1. */
  static JsonObject rendered(JsonObject file) {
    String text = file.encode().replace(OpenApi.AUTH_TEMPLATE, authUrl).replace(OpenApi.RESOURCE_TEMPLATE, resourceUrl);
    return new JsonObject(text);
  }

  @Test
  @DisplayName("Both origins serve the same document, whose servers are both origins as the request reached them")
  void servedByBoth() {
    assertThat(fromResource).isEqualTo(fromAuth);
    assertThat(fromAuth.getJsonArray("servers").stream().map(s -> ((JsonObject) s).getString("url")).toList())
        .containsExactly(authUrl, resourceUrl);
  }

  @Test
  @DisplayName("Every documented auth-origin operation is a route of the auth router, and every route is documented")
  void authOriginMatchesRoutes() {
    Set<String> routes = routed(server.app().authRoutes());

    assertThat(routes).contains("POST /auth/login", "GET " + OpenApi.PATH, "GET /demo", "POST /admin/users/{username}/unlock");
    assertThat(documented(fromAuth, authUrl)).containsExactlyInAnyOrderElementsOf(routes);
  }

  @Test
  @DisplayName("Every documented resource-origin operation is a route of the resource router, and every route is documented")
  void resourceOriginMatchesRoutes() {
    Set<String> routes = routed(server.app().resourceRoutes());

    assertThat(routes).contains("GET /api/me", "GET " + OpenApi.PATH);
    assertThat(documented(fromAuth, resourceUrl)).containsExactlyInAnyOrderElementsOf(routes);
  }

  @Test
  @DisplayName("GET /metrics is documented on the management server only, not on the public origins")
  void metricsOnManagementServer() {
    JsonArray servers = fromAuth.getJsonObject("paths").getJsonObject("/metrics").getJsonArray("servers");
    assertThat(servers.stream().map(s -> ((JsonObject) s).getString("url")).toList())
        .containsExactly(OpenApi.MANAGEMENT_TEMPLATE);
    assertThat(documented(fromAuth, authUrl)).doesNotContain("GET /metrics");
    assertThat(documented(fromAuth, resourceUrl)).doesNotContain("GET /metrics");
  }

  @Test
  @DisplayName("Every path item names its origin, and each operation answers on it (not 404 or 405)")
  void operationsAnswer() {
    JsonObject paths = fromAuth.getJsonObject("paths");
    List<String> missing = new ArrayList<>();
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      assertThat(item.getJsonArray("servers")).as("servers of %s", path).isNotEmpty();
      for (Object s : item.getJsonArray("servers")) {
        String url = ((JsonObject) s).getString("url");
        assertThat(url).as("server of %s", path).isIn(authUrl, resourceUrl, OpenApi.MANAGEMENT_TEMPLATE);
        int port = url.equals(authUrl) ? server.authPort()
            : url.equals(resourceUrl) ? server.resourcePort() : server.app().managementPort();
        for (String method : item.fieldNames()) {
          if (!METHODS.contains(method)) {
            continue;
          }
          String concrete = path.replace("{username}", "nobody");
          int status = server.http().web().request(HttpMethod.valueOf(method.toUpperCase(Locale.ROOT)), port,
              "127.0.0.1", concrete).send().await().statusCode();
          if (status == 404 || status == 405) {
            missing.add(method + " " + url + path + " → " + status);
          }
        }
      }
    }
    assertThat(missing).isEmpty();
  }

  @Test
  @DisplayName("Every operation has a unique operationId and responses; every $ref resolves; errors use the Error schema")
  void wellFormed() {
    Set<String> ids = new TreeSet<>();
    JsonObject paths = fromAuth.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (!METHODS.contains(method)) {
          continue;
        }
        JsonObject op = item.getJsonObject(method);
        assertThat(ids.add(op.getString("operationId"))).as("unique operationId of %s %s", method, path).isTrue();
        JsonObject responses = op.getJsonObject("responses");
        assertThat(responses.fieldNames()).as("responses of %s %s", method, path).isNotEmpty()
            .anyMatch(code -> code.startsWith("2") || code.equals("304"));
        for (String code : responses.fieldNames()) {
          if (code.startsWith("4") || code.startsWith("5")) {
            JsonObject response = resolve(responses.getJsonObject(code));
            assertThat(response.getJsonObject("content").getJsonObject("application/json").getJsonObject("schema")
                .getString("$ref")).as("error schema of %s %s %s", method, path, code).isEqualTo("#/components/schemas/Error");
          }
        }
      }
    }
    Matcher refs = Pattern.compile("\"\\$ref\":\"([^\"]+)\"").matcher(fromAuth.encode());
    while (refs.find()) {
      assertThat(pointer(refs.group(1))).as("target of %s", refs.group(1)).isNotNull();
    }
  }

  private static JsonObject resolve(JsonObject maybeRef) {
    return maybeRef.containsKey("$ref") ? pointer(maybeRef.getString("$ref")) : maybeRef;
  }

  private static JsonObject pointer(String ref) {
    assertThat(ref).startsWith("#/");
    JsonObject node = fromAuth;
    for (String part : ref.substring(2).split("/")) {
      node = node == null ? null : node.getJsonObject(part.replace("~1", "/").replace("~0", "~"));
    }
    return node;
  }
}
