package dev.jwtauth.demo;

import dev.jwtauth.clients.Client;
import dev.jwtauth.clients.ClientRepository;
import dev.jwtauth.clients.ClientRules;
import dev.jwtauth.config.AppConfig;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The OAuth 2 client of the demo page's code flow, registered at start when {@code DEMO_CLIENT=true}:
 * a public client ({@code token_endpoint_auth_method=none}: a page cannot keep a secret, PKCE is its
 * proof) named {@code demo}, whose one redirect URI is the demo page under {@code ISSUER}
 * ({@link AppConfig#demoRedirectUri()}), with the code and refresh grants and scopes
 * {@code openid profile}. It opens nothing the password form of the same page does not: the codes
 * can only come back to this server's own page. A client already named {@code demo} is left as it
 * is (an administrator's registration wins); a warning says when it does not fit the page.
 */
public final class DemoClient {
  private static final Logger log = LoggerFactory.getLogger(DemoClient.class);

  /** The demo page's client id. */
  public static final String CLIENT_ID = "demo";
  /** The scopes it may ask for: the sign-in (ID token) and the user's name in it. */
  public static final List<String> SCOPES = List.of("openid", "profile");

  private DemoClient() {
  }

  /** Registers the client unless one of its id exists; succeeds either way. */
  public static Future<Void> register(ClientRepository clients, AppConfig config) {
    String redirectUri = config.demoRedirectUri();
    ClientRules.Metadata metadata = ClientRules.metadata(List.of(redirectUri),
        List.of("authorization_code", "refresh_token"), Client.PUBLIC);
    return clients.create(CLIENT_ID, null, List.of(), SCOPES, metadata)
        .onSuccess(v -> log.info("Registered the demo page's public client '{}' (redirect URI {}) from DEMO_CLIENT",
            CLIENT_ID, redirectUri))
        .recover(err -> err == ClientRepository.EXISTS ? clients.get(CLIENT_ID).map(existing -> {
          if (!fits(existing, redirectUri)) {
            log.warn("A client '{}' exists but does not fit the demo page (public, code grant, redirect URI {}):"
                + " the page's code flow will be refused; remove that client to let DEMO_CLIENT register it",
                CLIENT_ID, redirectUri);
          }
          return null;
        }) : Future.failedFuture(err));
  }

  /** Whether a registered client can serve the page's code flow. */
  static boolean fits(Client client, String redirectUri) {
    return client.isPublic() && !client.disabled() && client.allows("authorization_code")
        && client.redirectUris().contains(redirectUri);
  }
}
