package dev.jwtauth.http;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Reads JSON request bodies strictly: right content type, an object, string fields present. */
public final class JsonBodies {
  private JsonBodies() {
  }

  /** The body as an object; 415 for another content type, 400 for anything that is not a JSON object. */
  public static JsonObject object(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    String media = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
    if (!media.equals("application/json")) {
      throw new ApiError(415, "unsupported_media_type", "The request body must be application/json.");
    }
    try {
      Object parsed = ctx.body().buffer() == null ? null : ctx.body().asJsonObject();
      if (parsed == null) {
        throw ApiError.invalidRequest("The request body must be a JSON object.");
      }
      return (JsonObject) parsed;
    } catch (DecodeException | ClassCastException e) {
      throw ApiError.invalidRequest("The request body is not a valid JSON object.");
    }
  }

  /** A required string field of at most {@code max} characters. */
  public static String string(JsonObject body, String field, int max) {
    Object v = body.getValue(field);
    if (!(v instanceof String s) || s.isEmpty()) {
      throw ApiError.invalidRequest("The field '" + field + "' is required and must be a non-empty string.");
    }
    if (s.length() > max) {
      throw ApiError.invalidRequest("The field '" + field + "' is longer than " + max + " characters.");
    }
    return s;
  }

  /** An optional boolean field: false when absent or null, 400 when it is not a JSON boolean. */
  public static boolean optionalBoolean(JsonObject body, String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return false;
    }
    if (!(v instanceof Boolean b)) {
      throw ApiError.invalidRequest("The field '" + field + "' must be true or false.");
    }
    return b;
  }
}
