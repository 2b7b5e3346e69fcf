package dev.jwtauth.http;

import dev.jwtauth.console.ConsolePage;
import dev.jwtauth.testsupport.AuthClient;
import dev.jwtauth.testsupport.ServerExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.jwtauth.testsupport.AuthClient.Origin.AUTH;
import static dev.jwtauth.testsupport.AuthClient.Origin.RESOURCE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin console without a browser: {@code GET /console} is a static HTML page under a
 * Content-Security-Policy that allows only this origin's script, style and fetches (plus data:
 * images for the enrolment QR code), never framed; its script and style are served; it loads no
 * script from elsewhere and has no inline code; the script never touches web storage.
 */
@DisplayName("Admin console page: static HTML under a strict CSP, no framing, no external or inline script")
class ConsolePageTest {
  private static final Pattern SCRIPT_SRC = Pattern.compile("<script[^>]*\\bsrc=\"([^\"]*)\"");

  @RegisterExtension
  static final ServerExtension server = ServerExtension.create();

  static AuthClient http() {
    return server.http();
  }

  @Test
  @DisplayName("GET /console is HTML with a CSP of 'self' only (data: images aside), frame-ancestors 'none', X-Frame-Options DENY, nosniff")
  void pageAndHeaders() {
    for (String path : new String[] {"/console", "/console/", "/console/index.html"}) {
      var res = http().get(AUTH, path);

      assertThat(res.statusCode()).as(path).isEqualTo(200);
      assertThat(res.getHeader("Content-Type")).as(path).startsWith("text/html");
      assertThat(res.bodyAsString()).contains("<script type=\"module\" src=\"/console/console.js\"></script>")
          .contains("href=\"/console/console.css\"").contains("id=\"signin-form\"");
      String csp = res.getHeader("Content-Security-Policy");
      assertThat(csp).isEqualTo(ConsolePage.POLICY);
      assertThat(csp).contains("default-src 'none'", "script-src 'self';", "style-src 'self';", "connect-src 'self';",
          "img-src 'self' data:;", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'");
      assertThat(csp).doesNotContain("unsafe-inline", "unsafe-eval", "*", "http:", "https:");
      assertThat(res.getHeader("X-Frame-Options")).isEqualTo("DENY");
      assertThat(res.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    }
  }

  @Test
  @DisplayName("The page loads script from this origin only and has no inline script, style or event handler")
  void noExternalOrInlineScript() {
    String html = http().get(AUTH, "/console").bodyAsString();

    Matcher scripts = SCRIPT_SRC.matcher(html);
    int count = 0;
    while (scripts.find()) {
      count++;
      assertThat(scripts.group(1)).as("script src").startsWith("/console/").doesNotContain("//");
    }
    assertThat(count).isEqualTo(1);
    assertThat(html).doesNotContainPattern("<script(?![^>]*\\bsrc=)[^>]*>")
        .doesNotContain("<style", " style=", "onclick=", "onsubmit=", "onload=", "javascript:");
    assertThat(html).doesNotContainPattern("(href|src)=\"(https?:)?//");
  }

  @Test
  @DisplayName("The script and style sheet are served with their types and the CSP; the script uses no web storage and no innerHTML")
  void assets() {
    var js = http().get(AUTH, "/console/console.js");
    var css = http().get(AUTH, "/console/console.css");

    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.getHeader("Content-Type")).contains("javascript");
    assertThat(js.getHeader("Content-Security-Policy")).isEqualTo(ConsolePage.POLICY);
    assertThat(js.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(js.bodyAsString()).contains("refresh_cookie: true", "/admin/users", "/admin/audit", "/admin/keys")
        .doesNotContain("localStorage.", "sessionStorage.", "innerHTML", "outerHTML", "insertAdjacentHTML",
            "document.write", "eval(", "new Function");
    assertThat(css.statusCode()).isEqualTo(200);
    assertThat(css.getHeader("Content-Type")).startsWith("text/css");
  }

  @Test
  @DisplayName("The console is on the auth origin only, and an unknown file under /console is a JSON 404")
  void authOriginOnly() {
    assertThat(http().get(RESOURCE, "/console").statusCode()).isEqualTo(404);
    var missing = http().get(AUTH, "/console/nope.js");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsJsonObject().getString("error")).isEqualTo("not_found");
  }
}
