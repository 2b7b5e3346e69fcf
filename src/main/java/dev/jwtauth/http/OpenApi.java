package dev.jwtauth.http;

import dev.jwtauth.config.AppConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The OpenAPI 3.0 document of both origins ({@code openapi.json} on the classpath), served by each
 * origin at {@value #PATH}. The file names the origins by their defaults ({@value #AUTH_TEMPLATE},
 * {@value #RESOURCE_TEMPLATE}) in its {@code servers} lists (the top-level one and those of path
 * items, which say which origin serves a path); each response replaces them with the origins as
 * the request reached them ({@link PublicOrigins}).
 */
public final class OpenApi {
  /** Where both origins serve the document. */
  public static final String PATH = "/.well-known/openapi.json";
  /** The auth origin's URL as written in the file. */
  public static final String AUTH_TEMPLATE = "http://localhost:8080";
  /** The resource origin's URL as written in the file. */
  public static final String RESOURCE_TEMPLATE = "http://localhost:8081";
  /**
   * The management server's default URL as written in the file ({@code /metrics}); left as is:
   * it is not a public origin, and a client of the origins cannot reach it.
   */
  public static final String MANAGEMENT_TEMPLATE = "http://127.0.0.1:9000";
  private static final String RESOURCE = "openapi.json";

  /**
   * The file as read, once per process on the first request for it (on a worker): not at start-up,
   * where every verticle instance parsing it cost tens of milliseconds before the ports opened.
   */
  private static volatile JsonObject template;
  private final AppConfig config;

  public OpenApi(AppConfig config) {
    this.config = config;
  }

  /** {@code GET /.well-known/openapi.json}. */
  public void serve(RoutingContext ctx) {
    JsonObject read = template;
    if (read != null) {
      send(ctx, read);
      return;
    }
    ctx.vertx().executeBlocking(OpenApi::read).onSuccess(doc -> {
      template = doc;
      send(ctx, doc);
    }).onFailure(ctx::fail);
  }

  private void send(RoutingContext ctx, JsonObject template) {
    ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=300");
    Responses.json(ctx, 200, render(template, PublicOrigins.auth(ctx, config), PublicOrigins.resource(ctx, config)));
  }

  private static JsonObject read() throws IOException {
    try (InputStream in = OpenApi.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IOException(RESOURCE + " is missing from the class path; rebuild the jar.");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** The document with every {@code servers} entry pointing at the given origins. */
  static JsonObject render(JsonObject template, String auth, String resource) {
    JsonObject doc = template.copy();
    rewrite(doc.getJsonArray("servers"), auth, resource);
    JsonObject paths = doc.getJsonObject("paths", new JsonObject());
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      rewrite(item.getJsonArray("servers"), auth, resource);
      for (String key : item.fieldNames()) {
        if (item.getValue(key) instanceof JsonObject op) {
          rewrite(op.getJsonArray("servers"), auth, resource);
        }
      }
    }
    return doc;
  }

  private static void rewrite(JsonArray servers, String auth, String resource) {
    if (servers == null) {
      return;
    }
    for (Object s : servers) {
      JsonObject server = (JsonObject) s;
      String url = server.getString("url");
      if (AUTH_TEMPLATE.equals(url)) {
        server.put("url", auth);
      } else if (RESOURCE_TEMPLATE.equals(url)) {
        server.put("url", resource);
      }
    }
  }
}
