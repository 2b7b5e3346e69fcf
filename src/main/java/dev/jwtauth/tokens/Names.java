package dev.jwtauth.tokens;

import dev.jwtauth.http.ApiError;
import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules for the names a token carries, in one place for HTTP, the event bus and the command
 * line: roles match {@code [a-z0-9_-]{1,64}}, scopes {@code [a-z0-9_:.-]{1,64}}, at most 32 of
 * each. A bad list is a 400 with the caller's OAuth error code.
 */
public enum Names {
  ROLES("roles", Pattern.compile("[a-z0-9_-]{1,64}"), "[a-z0-9_-]{1,64}"),
  SCOPES("scopes", Pattern.compile("[a-z0-9_:.-]{1,64}"), "[a-z0-9_:.-]{1,64}");

  /** The role that administers the server: never granted to a client, never issued over the bus. */
  public static final String ADMIN = "admin";
  private static final int MAX = 32;

  private final String field;
  private final Pattern pattern;
  private final String rule;

  Names(String field, Pattern pattern, String rule) {
    this.field = field;
    this.pattern = pattern;
    this.rule = rule;
  }

  /**
   * Validates a JSON value (absent, or an array of strings) into a duplicate-free list.
   *
   * @param value     the JSON value, or null for none
   * @param field     the field name for the error description
   * @param errorCode the OAuth error code of a bad list ({@code invalid_request}, {@code invalid_client_metadata})
   */
  public List<String> parse(Object value, String field, String errorCode) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray arr)) {
      throw new ApiError(400, errorCode, "The field '" + field + "' must be an array of at most " + MAX + " names.");
    }
    return check(arr.getList(), field, errorCode);
  }

  /** Validates names given as strings (the command line, a space-separated scope parameter). */
  public List<String> check(Collection<?> values, String field, String errorCode) {
    if (values.size() > MAX) {
      throw new ApiError(400, errorCode, "The field '" + field + "' must hold at most " + MAX + " names.");
    }
    List<String> out = new ArrayList<>();
    for (Object o : values) {
      if (!(o instanceof String s) || !pattern.matcher(s).matches()) {
        throw new ApiError(400, errorCode, "Each of '" + field + "' must match " + rule + ".");
      }
      if (!out.contains(s)) {
        out.add(s);
      }
    }
    return List.copyOf(out);
  }

  /** The default field name ({@code roles}, {@code scopes}). */
  public String field() {
    return field;
  }

  /** A space-separated scope string (RFC 6749 §3.3) as a list, or an empty list for null or blank. */
  public static List<String> splitScope(String scope) {
    return scope == null || scope.isBlank() ? List.of() : List.of(scope.trim().split(" +"));
  }
}
