package dev.jwtauth.config;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Every setting of the server, validated once at start-up. Each component's name is also its key
 * in {@code conf/config.json} and its environment variable (upper-case, e.g. {@code AUTH_HTTP_PORT});
 * the README's configuration table lists them all.
 *
 * @param httpHost          address both HTTP servers bind to
 * @param authHttpPort      auth origin port (login, tokens, JWKS, admin)
 * @param resourceHttpPort  resource origin port ({@code /api/*})
 * @param roles             which verticles this process runs: {@code all}, {@code auth} or {@code resource}
 * @param issuer            the {@code iss} of every token and the discovery document's issuer
 * @param audience          the {@code aud} of every access token, required by the resource server
 * @param signingAlg        JWS algorithm of new keys: RS256, PS256, ES256 or EdDSA
 * @param accessTokenTtl    access token lifetime
 * @param refreshTokenTtl   refresh token lifetime
 * @param refreshGrace      how long a just-rotated refresh token may be presented again without
 *                          revoking its family (0 = strict reuse detection)
 * @param keyRotationInterval how often a new signing key is made (0 = only on demand)
 * @param clockLeeway       allowed clock skew when checking {@code exp}
 * @param jwksMaxAge        {@code Cache-Control: max-age} of the JWKS document
 * @param pgUri             external PostgreSQL URI, or {@code null} for the embedded one
 * @param pgPoolSize        connections in the shared pool
 * @param embeddedPgPort    port of the embedded PostgreSQL (0 picks a free one)
 * @param dataDir           where the embedded PostgreSQL keeps its data
 * @param keysDir           where the signing keys live
 * @param bootstrapAdminPassword password of the {@code admin} user created on first start, or {@code null}
 * @param argon2MemoryKib   argon2id memory cost
 * @param argon2Iterations  argon2id time cost
 * @param argon2Parallelism argon2id lanes
 * @param hashWorkers       threads hashing passwords (0 = number of cores)
 * @param verticleInstances instances of each HTTP verticle (0 = number of cores)
 * @param maxBodyBytes      request body limit; larger bodies get 413
 * @param lockoutThreshold  failed logins of one (name, client address) pair that lock that pair
 * @param lockoutSeconds       first lock duration; doubles with each further failure
 * @param lockoutMaxSeconds        longest lock
 * @param loginIpLimit      failed logins allowed per client address per minute
 * @param refreshCookie     send the refresh token as an HttpOnly cookie instead of in the body
 * @param corsAllowedOrigins origins allowed by CORS on both servers (empty: no CORS)
 * @param tlsCertFile       PEM certificate chain for HTTPS, or null for plain HTTP
 * @param tlsKeyFile        PEM private key for HTTPS, or null
 * @param verifyCacheSize   verified tokens remembered per verifier instance (0: none)
 * @param cluster           join a Hazelcast cluster (clustered event bus across processes)
 * @param clusterHost       address this member binds and announces (cluster and event bus)
 * @param clusterPort       Hazelcast port of this member
 * @param clusterMembers    the members to join, {@code host:port}, TCP/IP (no multicast)
 * @param logFormat         {@code text} or {@code json} (one JSON object a line)
 * @param jwksUri           for a resource-only process outside the cluster: the auth server's JWKS URL,
 *                          fetched over HTTP instead of the event bus (null: use the bus); https unless
 *                          its host is loopback (127.0.0.1, localhost, [::1])
 * @param httpIdleTimeout   an HTTP connection with no traffic for this long is closed (0 = never)
 * @param managementHttpHost address the management server ({@code /metrics}, {@code /health},
 *                          {@code /ready}) binds to; loopback by default
 * @param managementHttpPort port of the management server (0 picks a free one; -1 = no management
 *                          server, {@code /metrics} then stays on both origins)
 * @param auditRetention    audit rows older than this are deleted (checked every 10 minutes)
 * @param trustedProxies    addresses and CIDR ranges of reverse proxies whose {@code X-Forwarded-For} is
 *                          believed (empty: the header is never read)
 * @param hashQueueMax      logins waiting for or running an argon2 hash in a process before further
 *                          logins get 503 (0 = 64 per hash worker)
 * @param lockoutAccountPerHour failed logins per hour for one account name over all addresses before its
 *                          failing (name, address) pairs are slowed to that rate
 * @param clusterCredentials folder holding the cluster's credentials (made by {@code cluster credentials DIR});
 *                          required with {@code CLUSTER=true}, null otherwise
 * @param revocationFeedClientId for a resource-only process with {@code JWKS_URI}: the client id with scope
 *                          {@code revocations:read} it uses to follow the auth server's revocation feed
 *                          (null: no feed; revocations are not seen outside the cluster)
 * @param revocationFeedClientSecret that client's secret (required with the id)
 * @param revocationFeedMaxStreams revocation feed streams an auth process serves at once; more get 503
 * @param shutdownGrace     on SIGTERM, how long in-flight HTTP requests may take to finish after the
 *                          listeners stop accepting, before connections are closed
 * @param cryptoProvider    where signatures are computed: {@code auto} (AWS-LC through the Amazon Corretto
 *                          Crypto Provider when it loads, else the JDK), {@code jca} or {@code native}
 * @param argon2Provider    where argon2id is computed: {@code auto} (the native reference implementation
 *                          when it loads, else BouncyCastle), {@code java} or {@code native}
 * @param clusterDiscovery  how a member finds the others: {@code members} (the fixed {@code CLUSTER_MEMBERS}
 *                          list) or {@code dns} (every address {@code CLUSTER_DNS_NAME} resolves to, looked up
 *                          again at each join attempt: a Kubernetes headless Service)
 * @param clusterDnsName    with {@code CLUSTER_DISCOVERY=dns}: the DNS name whose A/AAAA records are the
 *                          members, optionally {@code :port} (default {@code CLUSTER_PORT}); null otherwise
 * @param requireMfaRoles   roles whose holders must sign in with a second factor (TOTP): without a
 *                          confirmed one they may only enrol, and {@code /admin/*} refuses their tokens
 *                          without {@code otp} in {@code amr} (empty: nobody is required to)
 * @param dpopProofWindow   how old a DPoP proof ({@code iat}) may be, and how long its {@code jti} is
 *                          remembered against replays (per process); also the nonce rotation period
 * @param dpopNonce         demand a server nonce in DPoP proofs (RFC 9449 §8): {@code use_dpop_nonce}
 *                          with a {@code DPoP-Nonce} header until the client uses it
 * @param authCodeTtl       lifetime of an authorization code (code flow), at most 10 minutes
 * @param signinSessionTtl  lifetime of the browser's sign-in session on the auth origin (code flow):
 *                          within it a further authorization needs no password (unless {@code prompt=login}
 *                          or {@code max_age} says otherwise)
 * @param demoClient        register, at start, the public client {@code demo} of the demo page's code flow
 *                          (redirect URI {@code ISSUER/demo/}, scopes {@code openid profile}) when no
 *                          client of that id exists; an existing one is never changed
 */
public record AppConfig(
    String httpHost,
    int authHttpPort,
    int resourceHttpPort,
    String roles,
    String issuer,
    String audience,
    String signingAlg,
    Duration accessTokenTtl,
    Duration refreshTokenTtl,
    Duration refreshGrace,
    Duration keyRotationInterval,
    Duration clockLeeway,
    Duration jwksMaxAge,
    String pgUri,
    int pgPoolSize,
    int embeddedPgPort,
    Path dataDir,
    Path keysDir,
    String bootstrapAdminPassword,
    int argon2MemoryKib,
    int argon2Iterations,
    int argon2Parallelism,
    int hashWorkers,
    int verticleInstances,
    int maxBodyBytes,
    int lockoutThreshold,
    Duration lockoutSeconds,
    Duration lockoutMaxSeconds,
    int loginIpLimit,
    boolean refreshCookie,
    List<String> corsAllowedOrigins,
    Path tlsCertFile,
    Path tlsKeyFile,
    int verifyCacheSize,
    boolean cluster,
    String clusterHost,
    int clusterPort,
    List<String> clusterMembers,
    String logFormat,
    String jwksUri,
    List<String> trustedProxies,
    int hashQueueMax,
    int lockoutAccountPerHour,
    Path clusterCredentials,
    Duration httpIdleTimeout,
    String managementHttpHost,
    int managementHttpPort,
    Duration auditRetention,
    String revocationFeedClientId,
    String revocationFeedClientSecret,
    int revocationFeedMaxStreams,
    Duration shutdownGrace,
    String cryptoProvider,
    String argon2Provider,
    String clusterDiscovery,
    String clusterDnsName,
    List<String> requireMfaRoles,
    Duration dpopProofWindow,
    boolean dpopNonce,
    Duration authCodeTtl,
    Duration signinSessionTtl,
    boolean demoClient) {

  /**
   * Every setting name, also the environment variables read: each record component's name in upper
   * snake case ({@code authHttpPort} is {@code AUTH_HTTP_PORT}), so a setting is declared once, as a
   * component, and parsed once, in {@link #from}.
   */
  public static final List<String> KEYS = java.util.Arrays.stream(AppConfig.class.getRecordComponents())
      .map(c -> settingName(c.getName())).toList();

  /** {@code authHttpPort} → {@code AUTH_HTTP_PORT}, {@code argon2MemoryKib} → {@code ARGON2_MEMORY_KIB}. */
  static String settingName(String component) {
    return component.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
  }

  private static final Set<String> ROLE_VALUES = Set.of("all", "auth", "resource");
  private static final Set<String> ALGORITHMS = dev.jwtauth.keys.SigningAlgorithm.NAMES;

  /**
   * How long a key stays published after a newer key took over: until every token it signed has
   * expired, plus the clock leeway and the JWKS cache time (so cached copies still hold it).
   */
  public Duration keyRetirementDelay() {
    return accessTokenTtl.plus(clockLeeway).plus(jwksMaxAge);
  }

  /** Whether the management server runs ({@code MANAGEMENT_HTTP_PORT} is not -1); then {@code /metrics} is only there. */
  public boolean managementServer() {
    return managementHttpPort >= 0;
  }

  /** An https URL, or an http one whose host is a loopback name or address. */
  static boolean secureOrLoopback(String url) {
    URI uri = URI.create(url);
    if ("https".equals(uri.getScheme())) {
      return true;
    }
    String host = uri.getHost();
    return host != null && (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]"));
  }

  /** Whether both servers serve HTTPS. */
  public boolean tls() {
    return tlsCertFile != null;
  }

  /** Whether this process runs the auth side (issuer and JWKS verticles). */
  public boolean runsAuth() {
    return !roles.equals("resource");
  }

  /** Whether this process runs the resource verticle. */
  public boolean runsResource() {
    return !roles.equals("auth");
  }

  /**
   * The revocation feed this resource-only process follows, or null when it follows none: the
   * {@code JWKS_URI} with its {@code /.well-known/jwks.json} replaced by {@code /oauth2/revocations}
   * (a path prefix in front of it, as behind a proxy, is kept), else its origin plus that path.
   */
  public String revocationFeedUri() {
    if (revocationFeedClientId == null || jwksUri == null) {
      return null;
    }
    String wellKnown = "/.well-known/jwks.json";
    if (jwksUri.endsWith(wellKnown)) {
      return jwksUri.substring(0, jwksUri.length() - wellKnown.length()) + "/oauth2/revocations";
    }
    URI u = URI.create(jwksUri);
    return u.getScheme() + "://" + u.getRawAuthority() + "/oauth2/revocations";
  }

  /** The host part of {@code CLUSTER_DNS_NAME} (the name to resolve), or null without one. */
  public String clusterDnsHost() {
    if (clusterDnsName == null) {
      return null;
    }
    int colon = clusterDnsName.lastIndexOf(':');
    return colon < 0 ? clusterDnsName : clusterDnsName.substring(0, colon);
  }

  /** The Hazelcast port of the members found by DNS: the port of {@code CLUSTER_DNS_NAME}, else {@code CLUSTER_PORT}. */
  public int clusterDnsPort() {
    int colon = clusterDnsName == null ? -1 : clusterDnsName.lastIndexOf(':');
    return colon < 0 ? clusterPort : Integer.parseInt(clusterDnsName.substring(colon + 1));
  }

  /** The demo page's address under {@code ISSUER}: the redirect URI of its code-flow client ({@code DEMO_CLIENT}). */
  public String demoRedirectUri() {
    return issuer + "/demo/";
  }

  /** Whether the embedded PostgreSQL is used (no {@code PG_URI}). */
  public boolean embeddedDatabase() {
    return pgUri == null;
  }

  /** Threads for argon2id, resolved against the cores of this machine. */
  public int effectiveHashWorkers() {
    return hashWorkers > 0 ? hashWorkers : Runtime.getRuntime().availableProcessors();
  }

  /** Logins that may wait for or run a hash at once in this process, before 503. */
  public int effectiveHashQueueMax() {
    return hashQueueMax > 0 ? hashQueueMax : 64 * effectiveHashWorkers();
  }

  /** Instances of each HTTP verticle, resolved against the cores of this machine. */
  public int effectiveInstances() {
    return verticleInstances > 0 ? verticleInstances : Runtime.getRuntime().availableProcessors();
  }

  /**
   * Parses and validates merged settings (defaults, then file, then environment).
   *
   * @throws ConfigException with one sentence naming the first bad setting
   */
  public static AppConfig from(JsonObject json) {
    Reader r = new Reader(json);
    AppConfig cfg = new AppConfig(
        r.string("HTTP_HOST"),
        r.port("AUTH_HTTP_PORT"),
        r.port("RESOURCE_HTTP_PORT"),
        r.oneOf("ROLES", ROLE_VALUES),
        r.url("ISSUER"),
        r.string("AUDIENCE"),
        r.oneOf("SIGNING_ALG", ALGORITHMS),
        r.seconds("ACCESS_TOKEN_TTL", 10, 86_400),
        r.seconds("REFRESH_TOKEN_TTL", 60, 31_536_000),
        r.seconds("REFRESH_GRACE", 0, 60),
        r.seconds("KEY_ROTATION_INTERVAL", 0, 31_536_000),
        r.seconds("CLOCK_LEEWAY", 0, 300),
        r.seconds("JWKS_MAX_AGE", 0, 86_400),
        r.optionalPgUri("PG_URI"),
        r.integer("PG_POOL_SIZE", 1, 200),
        r.integer("EMBEDDED_PG_PORT", 0, 65_535),
        Path.of(r.string("DATA_DIR")),
        Path.of(r.string("KEYS_DIR")),
        r.optional("BOOTSTRAP_ADMIN_PASSWORD"),
        r.integer("ARGON2_MEMORY_KIB", 19_456, 4_194_304),
        r.integer("ARGON2_ITERATIONS", 2, 100),
        r.integer("ARGON2_PARALLELISM", 1, 16),
        r.integer("HASH_WORKERS", 0, 256),
        r.integer("VERTICLE_INSTANCES", 0, 256),
        r.integer("MAX_BODY_BYTES", 1_024, 16_777_216),
        r.integer("LOCKOUT_THRESHOLD", 1, 1_000),
        r.seconds("LOCKOUT_SECONDS", 1, 86_400),
        r.seconds("LOCKOUT_MAX_SECONDS", 1, 604_800),
        r.integer("LOGIN_IP_LIMIT", 1, 1_000_000),
        r.bool("REFRESH_COOKIE"),
        r.origins("CORS_ALLOWED_ORIGINS"),
        r.optionalFile("TLS_CERT_FILE"),
        r.optionalFile("TLS_KEY_FILE"),
        r.integer("VERIFY_CACHE_SIZE", 0, 10_000_000),
        r.bool("CLUSTER"),
        r.string("CLUSTER_HOST"),
        r.port("CLUSTER_PORT"),
        r.members("CLUSTER_MEMBERS"),
        r.oneOf("LOG_FORMAT", Set.of("text", "json")),
        r.optional("JWKS_URI") == null ? null : r.url("JWKS_URI"),
        r.proxies("TRUSTED_PROXIES"),
        r.integer("HASH_QUEUE_MAX", 0, 1_000_000),
        r.integer("LOCKOUT_ACCOUNT_PER_HOUR", 1, 1_000_000),
        r.optional("CLUSTER_CREDENTIALS") == null ? null : Path.of(r.optional("CLUSTER_CREDENTIALS")),
        r.seconds("HTTP_IDLE_TIMEOUT", 0, 86_400),
        r.string("MANAGEMENT_HTTP_HOST"),
        r.integer("MANAGEMENT_HTTP_PORT", -1, 65_535),
        r.seconds("AUDIT_RETENTION", 3_600, 315_360_000),
        r.optional("REVOCATION_FEED_CLIENT_ID"),
        r.optional("REVOCATION_FEED_CLIENT_SECRET"),
        r.integer("REVOCATION_FEED_MAX_STREAMS", 1, 100_000),
        r.seconds("SHUTDOWN_GRACE", 0, 3_600),
        r.oneOf("CRYPTO_PROVIDER", Set.of("auto", "jca", "native")),
        r.oneOf("ARGON2_PROVIDER", Set.of("auto", "java", "native")),
        r.oneOf("CLUSTER_DISCOVERY", Set.of("members", "dns")),
        r.dnsName("CLUSTER_DNS_NAME"),
        r.roleList("REQUIRE_MFA_ROLES"),
        r.seconds("DPOP_PROOF_WINDOW", 5, 600),
        r.bool("DPOP_NONCE"),
        r.seconds("AUTH_CODE_TTL", 1, 600),
        r.seconds("SIGNIN_SESSION_TTL", 60, 86_400),
        r.bool("DEMO_CLIENT"));
    if (cfg.cluster && cfg.clusterCredentials == null) {
      throw new ConfigException("CLUSTER=true needs CLUSTER_CREDENTIALS, the folder of the cluster's credentials"
          + " (make it once with 'java -jar jwt-auth-server.jar cluster credentials DIR' and give every member a copy).");
    }
    if (cfg.clusterDiscovery.equals("dns") && cfg.clusterDnsName == null) {
      throw new ConfigException("CLUSTER_DISCOVERY=dns needs CLUSTER_DNS_NAME, the DNS name whose addresses are the"
          + " members (in Kubernetes a headless Service, e.g. jwt-auth-cluster.default.svc.cluster.local).");
    }
    if (cfg.clusterDiscovery.equals("dns") && !cfg.clusterMembers.isEmpty()) {
      throw new ConfigException("CLUSTER_MEMBERS is for CLUSTER_DISCOVERY=members; with dns the members are the"
          + " addresses of CLUSTER_DNS_NAME (leave CLUSTER_MEMBERS empty).");
    }
    if (cfg.clusterDiscovery.equals("members") && cfg.clusterDnsName != null) {
      throw new ConfigException("CLUSTER_DNS_NAME is for CLUSTER_DISCOVERY=dns; set CLUSTER_DISCOVERY=dns to find"
          + " the members by DNS, or leave CLUSTER_DNS_NAME empty.");
    }
    if (cfg.roles.equals("resource") && !cfg.cluster && cfg.jwksUri == null) {
      throw new ConfigException("ROLES=resource needs CLUSTER=true (keys and revocations over the clustered"
          + " event bus) or JWKS_URI (keys over HTTP from the auth server).");
    }
    if (cfg.jwksUri != null && !cfg.roles.equals("resource")) {
      throw new ConfigException("JWKS_URI is for ROLES=resource only; a process with the auth role has the keys itself.");
    }
    if (cfg.jwksUri != null && !secureOrLoopback(cfg.jwksUri)) {
      throw new ConfigException("JWKS_URI must be an https URL (plain http only to 127.0.0.1, localhost or [::1]),"
          + " not '" + cfg.jwksUri + "': keys fetched in the clear could be replaced on the way.");
    }
    if (cfg.managementHttpPort > 0
        && (cfg.managementHttpPort == cfg.authHttpPort || cfg.managementHttpPort == cfg.resourceHttpPort)) {
      throw new ConfigException("MANAGEMENT_HTTP_PORT must differ from AUTH_HTTP_PORT and RESOURCE_HTTP_PORT (it is "
          + cfg.managementHttpPort + ").");
    }
    if ((cfg.revocationFeedClientId == null) != (cfg.revocationFeedClientSecret == null)) {
      throw new ConfigException("REVOCATION_FEED_CLIENT_ID and REVOCATION_FEED_CLIENT_SECRET must be set together"
          + " (one of them is empty).");
    }
    if (cfg.revocationFeedClientId != null && cfg.jwksUri == null) {
      throw new ConfigException("REVOCATION_FEED_CLIENT_ID is for ROLES=resource with JWKS_URI (the feed is read from"
          + " the same auth server); inside the cluster revocations arrive over the event bus.");
    }
    if ((cfg.tlsCertFile == null) != (cfg.tlsKeyFile == null)) {
      throw new ConfigException("TLS_CERT_FILE and TLS_KEY_FILE must be set together (one of them is empty).");
    }
    if (cfg.lockoutMaxSeconds.compareTo(cfg.lockoutSeconds) < 0) {
      throw new ConfigException("LOCKOUT_MAX_SECONDS must not be shorter than LOCKOUT_SECONDS.");
    }
    if (cfg.authHttpPort != 0 && cfg.authHttpPort == cfg.resourceHttpPort) {
      throw new ConfigException("AUTH_HTTP_PORT and RESOURCE_HTTP_PORT must differ (both are " + cfg.authHttpPort + ").");
    }
    if (cfg.keyRotationInterval.toSeconds() > 0 && cfg.keyRotationInterval.compareTo(cfg.accessTokenTtl) <= 0) {
      throw new ConfigException("KEY_ROTATION_INTERVAL must be 0 (off) or longer than ACCESS_TOKEN_TTL ("
          + cfg.accessTokenTtl.toSeconds() + " s).");
    }
    if (cfg.demoClient && !dev.jwtauth.clients.ClientRules.isValidRedirectUri(cfg.demoRedirectUri())) {
      throw new ConfigException("DEMO_CLIENT=true needs an ISSUER the demo page can be a redirect URI of: https, or"
          + " http only to 127.0.0.1, localhost or [::1] (" + cfg.demoRedirectUri() + " is not one).");
    }
    if (cfg.bootstrapAdminPassword != null) {
      dev.jwtauth.users.PasswordPolicy.problem(cfg.bootstrapAdminPassword).ifPresent(problem -> {
        throw new ConfigException("BOOTSTRAP_ADMIN_PASSWORD is refused: " + problem);
      });
    }
    return cfg;
  }

  /** Reads typed values, each failure being one sentence that names the setting. */
  private record Reader(JsonObject json) {
    String raw(String key) {
      Object v = json.getValue(key);
      return v == null ? null : String.valueOf(v).trim();
    }

    String optional(String key) {
      String v = raw(key);
      return v == null || v.isEmpty() ? null : v;
    }

    String string(String key) {
      String v = optional(key);
      if (v == null) {
        throw new ConfigException(key + " must be set (it is empty).");
      }
      return v;
    }

    int integer(String key, int min, int max) {
      String v = string(key);
      try {
        int n = Integer.parseInt(v);
        if (n < min || n > max) {
          throw new ConfigException(key + " must be between " + min + " and " + max + ", not " + n + ".");
        }
        return n;
      } catch (NumberFormatException e) {
        throw new ConfigException(key + " must be a whole number, not '" + v + "'.");
      }
    }

    int port(String key) {
      return integer(key, 0, 65_535);
    }

    Duration seconds(String key, int min, int max) {
      return Duration.ofSeconds(integer(key, min, max));
    }

    String oneOf(String key, Set<String> allowed) {
      String v = string(key);
      if (!allowed.contains(v)) {
        throw new ConfigException(key + " must be one of " + String.join(", ", allowed.stream().sorted().toList())
            + ", not '" + v + "'.");
      }
      return v;
    }

    String url(String key) {
      String v = string(key);
      try {
        URI uri = URI.create(v);
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
            || uri.getHost() == null) {
          throw new IllegalArgumentException();
        }
      } catch (IllegalArgumentException e) {
        throw new ConfigException(key + " must be an http(s) URL such as http://localhost:8080, not '" + v + "'.");
      }
      return v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
    }

    boolean bool(String key) {
      String v = string(key).toLowerCase(java.util.Locale.ROOT);
      if (!v.equals("true") && !v.equals("false")) {
        throw new ConfigException(key + " must be true or false, not '" + v + "'.");
      }
      return v.equals("true");
    }

    List<String> origins(String key) {
      String v = optional(key);
      if (v == null) {
        return List.of();
      }
      List<String> out = new java.util.ArrayList<>();
      for (String o : v.split(",")) {
        String origin = o.trim();
        if (origin.isEmpty()) {
          continue;
        }
        if (!origin.matches("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")) {
          throw new ConfigException(key + " must list origins like https://app.example.com, comma-separated; '"
              + origin + "' is not one.");
        }
        out.add(origin);
      }
      return List.copyOf(out);
    }

    List<String> roleList(String key) {
      String v = optional(key);
      if (v == null) {
        return List.of();
      }
      List<String> out = new java.util.ArrayList<>();
      for (String r : v.split(",")) {
        String role = r.trim();
        if (role.isEmpty()) {
          continue;
        }
        if (!role.matches("[a-z0-9_-]{1,64}")) {
          throw new ConfigException(key + " must list role names (a-z, 0-9, _ or -, at most 64), comma-separated; '"
              + role + "' is not one.");
        }
        out.add(role);
      }
      return List.copyOf(out);
    }

    List<String> members(String key) {
      String v = optional(key);
      if (v == null) {
        return List.of();
      }
      List<String> out = new java.util.ArrayList<>();
      for (String m : v.split(",")) {
        String member = m.trim();
        if (member.isEmpty()) {
          continue;
        }
        if (!member.matches("[A-Za-z0-9.-]+(:[0-9]{1,5})?")) {
          throw new ConfigException(key + " must list members like 10.0.0.5:5701, comma-separated; '"
              + member + "' is not one.");
        }
        out.add(member);
      }
      return List.copyOf(out);
    }

    String dnsName(String key) {
      String v = optional(key);
      if (v == null) {
        return null;
      }
      if (!v.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?")
          || (v.contains(":") && Integer.parseInt(v.substring(v.lastIndexOf(':') + 1)) > 65_535)) {
        throw new ConfigException(key + " must be a DNS name, optionally with :port, such as"
            + " jwt-auth-cluster.default.svc.cluster.local or jwt-auth-cluster:5701; '" + v + "' is not one.");
      }
      return v;
    }

    List<String> proxies(String key) {
      String v = optional(key);
      if (v == null) {
        return List.of();
      }
      List<String> out = new java.util.ArrayList<>();
      for (String p : v.split(",")) {
        String proxy = p.trim();
        if (proxy.isEmpty()) {
          continue;
        }
        try {
          dev.jwtauth.http.ClientAddress.cidr(proxy);
        } catch (IllegalArgumentException e) {
          throw new ConfigException(key + " must list IP addresses or CIDR ranges such as 10.0.0.0/8 or 2001:db8::/32,"
              + " comma-separated; '" + proxy + "' is not one.");
        }
        out.add(proxy);
      }
      return List.copyOf(out);
    }

    Path optionalFile(String key) {
      String v = optional(key);
      if (v == null) {
        return null;
      }
      Path p = Path.of(v);
      if (!java.nio.file.Files.isReadable(p)) {
        throw new ConfigException(key + " names " + p.toAbsolutePath() + ", which does not exist or cannot be read.");
      }
      return p;
    }

    String optionalPgUri(String key) {
      String v = optional(key);
      if (v == null) {
        return null;
      }
      if (!(v.startsWith("postgresql://") || v.startsWith("postgres://"))) {
        throw new ConfigException(key + " must be a URI like postgresql://user:password@host:5432/db"
            + " (it does not start with postgresql://).");
      }
      return v;
    }
  }
}
