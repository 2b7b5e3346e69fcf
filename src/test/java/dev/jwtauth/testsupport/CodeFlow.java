package dev.jwtauth.testsupport;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A browser's part of the code flow, as a test drives it with a plain {@link WebClient}: open the
 * authorization URL, read the sign-in form's hidden fields and action, post the credentials, and
 * read the 303's {@code Location}. Never follows redirects, so every hop can be inspected.
 */
public final class CodeFlow {
  private static final Pattern INPUT = Pattern.compile("<input\\b[^>]*>");
  private static final Pattern ATTR = Pattern.compile("([a-z_-]+)=\"([^\"]*)\"");
  private static final Pattern ACTION = Pattern.compile("<form\\b[^>]*action=\"([^\"]*)\"");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final WebClient web;
  private final int port;

  public CodeFlow(WebClient web, int authPort) {
    this.web = web;
    this.port = authPort;
  }

  /** A fresh PKCE verifier (43 base64url characters: 256 random bits). */
  public static String verifier() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** The S256 challenge of a verifier. */
  public static String challenge(String verifier) {
    try {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(
          MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** GET /oauth2/authorize with these parameters (each URL-encoded), and an optional Cookie header. */
  public HttpResponse<Buffer> authorize(Map<String, String> params, String cookie) {
    HttpRequest<Buffer> req = web.get(port, "127.0.0.1", "/oauth2/authorize").followRedirects(false);
    params.forEach(req::addQueryParam);
    if (cookie != null) {
      req.putHeader("Cookie", cookie);
    }
    return req.send().await();
  }

  /** GET of an absolute URL on the auth origin (as a library built it). */
  public HttpResponse<Buffer> get(String absoluteUrl, String cookie) {
    URI u = URI.create(absoluteUrl);
    HttpRequest<Buffer> req = web.request(HttpMethod.GET, u.getPort(), u.getHost(),
        u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery())).followRedirects(false);
    if (cookie != null) {
      req.putHeader("Cookie", cookie);
    }
    return req.send().await();
  }

  /** POSTs the sign-in form of {@code page}: its hidden fields, plus {@code fields}, to its action. */
  public HttpResponse<Buffer> submit(HttpResponse<Buffer> page, Map<String, String> fields) {
    Map<String, String> form = hiddenFields(page.bodyAsString());
    form.putAll(fields);
    return post(formAction(page.bodyAsString()), form);
  }

  /** POSTs a form to a path of the auth origin. */
  public HttpResponse<Buffer> post(String path, Map<String, String> form) {
    MultiMap m = MultiMap.caseInsensitiveMultiMap();
    form.forEach(m::add);
    return web.post(port, "127.0.0.1", path).followRedirects(false).sendForm(m).await();
  }

  /** Signs in on the page: username and password. */
  public HttpResponse<Buffer> signIn(HttpResponse<Buffer> page, String username, String password) {
    return submit(page, Map.of("username", username, "password", password));
  }

  /** The hidden inputs of a page, by name. */
  public static Map<String, String> hiddenFields(String html) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = INPUT.matcher(html);
    while (m.find()) {
      Map<String, String> attrs = new LinkedHashMap<>();
      Matcher a = ATTR.matcher(m.group());
      while (a.find()) {
        attrs.put(a.group(1), unescape(a.group(2)));
      }
      if ("hidden".equals(attrs.get("type"))) {
        out.put(attrs.get("name"), attrs.getOrDefault("value", ""));
      }
    }
    return out;
  }

  /** The names of every input of the page's form. */
  public static java.util.List<String> inputNames(String html) {
    java.util.List<String> names = new java.util.ArrayList<>();
    Matcher m = INPUT.matcher(html);
    while (m.find()) {
      Matcher a = ATTR.matcher(m.group());
      while (a.find()) {
        if (a.group(1).equals("name")) {
          names.add(a.group(2));
        }
      }
    }
    return names;
  }

  /** The form's action. */
  public static String formAction(String html) {
    Matcher m = ACTION.matcher(html);
    if (!m.find()) {
      throw new AssertionError("no form in the page: " + html);
    }
    return unescape(m.group(1));
  }

  /** The decoded query parameters of a URL (the 303's Location). */
  public static Map<String, String> query(String url) {
    Map<String, String> out = new LinkedHashMap<>();
    String q = URI.create(url).getRawQuery();
    if (q == null) {
      return out;
    }
    for (String pair : q.split("&")) {
      int eq = pair.indexOf('=');
      out.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  /** The value of the sign-in session cookie set by a response, as a {@code Cookie} header, or null. */
  public static String sessionCookie(HttpResponse<Buffer> res) {
    for (String c : res.cookies()) {
      if (c.startsWith("signin_session=")) {
        return c.substring(0, c.indexOf(';') < 0 ? c.length() : c.indexOf(';'));
      }
    }
    return null;
  }

  private static String unescape(String s) {
    return s.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
  }
}
