package dev.jwtauth.testsupport;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** One Set-Cookie header: its value and its attributes (names lower-cased). */
public record SetCookie(String value, Map<String, String> attributes) {

  public boolean has(String attribute) {
    return attributes.containsKey(attribute.toLowerCase(Locale.ROOT));
  }

  public String get(String attribute) {
    return attributes.get(attribute.toLowerCase(Locale.ROOT));
  }

  /** The response's one {@code refresh_token} Set-Cookie, failing the test unless there is exactly one. */
  public static SetCookie refreshToken(HttpResponse<Buffer> res) {
    return named(res, "refresh_token");
  }

  /** The response's one Set-Cookie for {@code name}, failing the test unless there is exactly one. */
  public static SetCookie named(HttpResponse<Buffer> res, String name) {
    List<String> headers = res.cookies().stream().filter(c -> c.startsWith(name + "=")).toList();
    assertThat(headers).as("Set-Cookie headers %s", res.cookies()).hasSize(1);
    String[] parts = headers.get(0).split(";");
    Map<String, String> attributes = new HashMap<>();
    Arrays.stream(parts).skip(1).map(String::trim).forEach(p -> {
      int eq = p.indexOf('=');
      attributes.put((eq < 0 ? p : p.substring(0, eq)).toLowerCase(Locale.ROOT), eq < 0 ? "" : p.substring(eq + 1));
    });
    return new SetCookie(parts[0].substring(name.length() + 1), attributes);
  }
}
