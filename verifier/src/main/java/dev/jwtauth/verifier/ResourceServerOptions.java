package dev.jwtauth.verifier;

import java.time.Clock;
import java.time.Duration;

/**
 * What {@link ResourceServerAuth} needs: at least the issuer's URL. Everything else has a default.
 *
 * <pre>{@code
 * new ResourceServerOptions()
 *     .setIssuer("https://auth.example.com")    // discovery at <issuer>/.well-known/openid-configuration
 *     .setAudience("api")                       // the aud every token must carry
 *     .setFeedClient("orders-service", secret)  // live revocation: a client with the scope revocations:read
 * }</pre>
 */
public class ResourceServerOptions {
  private String issuer;
  private String audience = "api";
  private Duration leeway = Duration.ofSeconds(30);
  private int cacheSize = 10_000;
  private String feedClientId;
  private String feedClientSecret;
  private String feedUri;
  private String realm = "api";
  private Duration retryInterval = Duration.ofSeconds(2);
  private Clock clock = Clock.systemUTC();

  /** The issuer's URL, exactly as in its tokens' {@code iss} (its discovery document must say the same). */
  public String getIssuer() {
    return issuer;
  }

  /** Sets the issuer's URL (required). A trailing slash is kept: {@code iss} is compared exactly. */
  public ResourceServerOptions setIssuer(String issuer) {
    this.issuer = issuer;
    return this;
  }

  /** The audience every token must name in {@code aud}; default {@code api}. */
  public String getAudience() {
    return audience;
  }

  /** Sets {@link #getAudience()}; answers these options. */
  public ResourceServerOptions setAudience(String audience) {
    this.audience = audience;
    return this;
  }

  /** The clock skew allowed on {@code exp}, {@code nbf} and {@code iat}; default 30 s. */
  public Duration getLeeway() {
    return leeway;
  }

  /** Sets {@link #getLeeway()}; answers these options. */
  public ResourceServerOptions setLeeway(Duration leeway) {
    this.leeway = leeway;
    return this;
  }

  /** How many verified tokens to remember (a hit skips the signature check, never expiry or revocation); 0: none. Default 10000. */
  public int getCacheSize() {
    return cacheSize;
  }

  /** Sets {@link #getCacheSize()}; answers these options. */
  public ResourceServerOptions setCacheSize(int cacheSize) {
    this.cacheSize = cacheSize;
    return this;
  }

  /**
   * The client that reads the revocation feed (registered on the auth server with the scope
   * {@code revocations:read}). Without it the verifier never hears of a revocation: a logged-out
   * token stays valid here until it expires.
   */
  public ResourceServerOptions setFeedClient(String clientId, String clientSecret) {
    this.feedClientId = clientId;
    this.feedClientSecret = clientSecret;
    return this;
  }

  /** The feed client's id, or null: see {@link #setFeedClient}. */
  public String getFeedClientId() {
    return feedClientId;
  }

  /** The feed client's secret, or null (never logged). */
  public String getFeedClientSecret() {
    return feedClientSecret;
  }

  /** The feed's URL; default {@code <issuer>/oauth2/revocations}. */
  public String getFeedUri() {
    return feedUri;
  }

  /** Sets {@link #getFeedUri()}; answers these options. */
  public ResourceServerOptions setFeedUri(String feedUri) {
    this.feedUri = feedUri;
    return this;
  }

  /** The realm of the {@code WWW-Authenticate} challenges (RFC 6750 §3); default {@code api}. */
  public String getRealm() {
    return realm;
  }

  /** Sets {@link #getRealm()}; answers these options. */
  public ResourceServerOptions setRealm(String realm) {
    this.realm = realm;
    return this;
  }

  /** How long to wait before asking again while discovery or the key set cannot be read; default 2 s. */
  public Duration getRetryInterval() {
    return retryInterval;
  }

  /** Sets {@link #getRetryInterval()}; answers these options. */
  public ResourceServerOptions setRetryInterval(Duration retryInterval) {
    this.retryInterval = retryInterval;
    return this;
  }

  /** The clock that {@code exp}, {@code nbf} and {@code iat} are checked against; default the system's (UTC). */
  public Clock getClock() {
    return clock;
  }

  /** Sets {@link #getClock()}; answers these options. */
  public ResourceServerOptions setClock(Clock clock) {
    this.clock = clock;
    return this;
  }
}
