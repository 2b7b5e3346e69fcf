import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kit's code-flow scenario: wrk cannot follow a redirect or carry a form's hidden fields from
 * one request to the next, so this runs whole flows with the JDK's HttpClient. One flow is what a
 * browser and a public client do: {@code GET /oauth2/authorize} (PKCE S256, {@code prompt=login},
 * no cookie: every flow types the password), the sign-in form's post (its hidden
 * {@code request_id} and {@code csrf_token}, a user's name and password: one argon2id hash), the
 * 303's code, and {@code POST /oauth2/token} with the code and the verifier.
 *
 * <p>{@code java bench/tools/CodeFlowBench.java AUTH_URL CLIENT_ID REDIRECT_URI USER_PREFIX USERS PASSWORD CONCURRENCY SECONDS [WARMUP_SECONDS]}
 * runs CONCURRENCY flows at a time (one thread each, users round-robin PREFIX001..PREFIX&lt;USERS&gt;)
 * for WARMUP_SECONDS (not counted), then SECONDS, and prints one JSON line:
 * {@code {"flows","failed","seconds","flows_per_s","concurrency","latency_ms":{"p50","p99","max"},
 * "step_p50_ms":{"authorize","sign_in","token"},"failures":{step: count},"statuses":{"step status": count}}}.
 * A flow is counted when it ends inside the measured window; the workers start with the window, so
 * its first flow-latency ends none: the window must be long against a flow (the kit's 5 s or 30 s;
 * the smoke run's 1 s checks that the scenario works, its rate means little). Exits 1 when no flow
 * succeeded.
 */
public final class CodeFlowBench {
  private static final Pattern REQUEST_ID = Pattern.compile("name=\"request_id\" value=\"([^\"]*)\"");
  private static final Pattern CSRF = Pattern.compile("name=\"csrf_token\" value=\"([^\"]*)\"");
  private static final Pattern CODE = Pattern.compile("[?&]code=([^&]*)");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String[] STEPS = {"authorize", "sign_in", "token"};

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
  private final String auth;
  private final String clientId;
  private final String redirectUri;
  private final String prefix;
  private final int users;
  private final String password;

  private CodeFlowBench(String auth, String clientId, String redirectUri, String prefix, int users, String password) {
    this.auth = auth;
    this.clientId = clientId;
    this.redirectUri = redirectUri;
    this.prefix = prefix;
    this.users = users;
    this.password = password;
  }

  /** What one worker saw in a window. */
  private static final class Tally {
    final List<Long> flowNanos = new ArrayList<>();
    final List<List<Long>> steps = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    final Map<String, Integer> failures = new TreeMap<>();
    final Map<String, Integer> statuses = new TreeMap<>();
  }

  /** A step that did not answer as a browser expects. */
  private static final class StepFailure extends Exception {
    final String step;

    StepFailure(String step, String what) {
      super(what, null, false, false);
      this.step = step;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 8) {
      System.err.println("usage: CodeFlowBench AUTH_URL CLIENT_ID REDIRECT_URI USER_PREFIX USERS PASSWORD CONCURRENCY SECONDS [WARMUP_SECONDS]");
      System.exit(2);
    }
    CodeFlowBench bench = new CodeFlowBench(args[0], args[1], args[2], args[3], Integer.parseInt(args[4]), args[5]);
    int concurrency = Integer.parseInt(args[6]);
    double seconds = Double.parseDouble(args[7]);
    double warmup = args.length > 8 ? Double.parseDouble(args[8]) : 0;
    if (warmup > 0) {
      bench.run(concurrency, warmup);
    }
    long t0 = System.nanoTime();
    List<Tally> tallies = bench.run(concurrency, seconds);
    double elapsed = Math.min(seconds, (System.nanoTime() - t0) / 1e9);
    String json = report(tallies, concurrency, elapsed);
    System.out.println(json);
    if (tallies.stream().allMatch(t -> t.flowNanos.isEmpty())) {
      System.exit(1);
    }
  }

  /** CONCURRENCY workers running flows until the window ends; flows ending after it are not counted. */
  private List<Tally> run(int concurrency, double seconds) throws InterruptedException {
    long end = System.nanoTime() + (long) (seconds * 1e9);
    AtomicLong next = new AtomicLong();
    List<Tally> tallies = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      Tally tally = new Tally();
      tallies.add(tally);
      Thread t = new Thread(() -> {
        while (System.nanoTime() < end) {
          int user = (int) (next.getAndIncrement() % users) + 1;
          long[] steps = new long[STEPS.length];
          long start = System.nanoTime();
          try {
            flow(String.format("%s%03d", prefix, user), steps, tally);
            long done = System.nanoTime();
            if (done <= end) {
              tally.flowNanos.add(done - start);
              for (int s = 0; s < STEPS.length; s++) {
                tally.steps.get(s).add(steps[s]);
              }
            }
          } catch (StepFailure f) {
            if (System.nanoTime() <= end) {
              tally.failures.merge(f.step, 1, Integer::sum);
            }
          } catch (Exception e) {
            if (System.nanoTime() <= end) {
              tally.failures.merge("io", 1, Integer::sum);
            }
          }
        }
      }, "flow-" + i);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    return tallies;
  }

  private void flow(String username, long[] steps, Tally tally) throws Exception {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(
        MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));

    Map<String, String> query = new LinkedHashMap<>();
    query.put("response_type", "code");
    query.put("client_id", clientId);
    query.put("redirect_uri", redirectUri);
    query.put("scope", "openid");
    query.put("state", verifier.substring(0, 12));
    query.put("code_challenge", challenge);
    query.put("code_challenge_method", "S256");
    query.put("prompt", "login");
    long t = System.nanoTime();
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(auth + "/oauth2/authorize?" + form(query)))
        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    steps[0] = System.nanoTime() - t;
    expect(tally, "authorize", page, 200);
    String requestId = group(REQUEST_ID, page.body(), "authorize");
    String csrf = group(CSRF, page.body(), "authorize");

    Map<String, String> signIn = new LinkedHashMap<>();
    signIn.put("request_id", requestId);
    signIn.put("csrf_token", csrf);
    signIn.put("username", username);
    signIn.put("password", password);
    t = System.nanoTime();
    HttpResponse<String> redirect = http.send(post("/oauth2/authorize", signIn), HttpResponse.BodyHandlers.ofString());
    steps[1] = System.nanoTime() - t;
    expect(tally, "sign_in", redirect, 303);
    String location = redirect.headers().firstValue("Location").orElse("");
    String code = URLDecoder.decode(group(CODE, location, "sign_in"), StandardCharsets.UTF_8);

    Map<String, String> exchange = new LinkedHashMap<>();
    exchange.put("grant_type", "authorization_code");
    exchange.put("client_id", clientId);
    exchange.put("code", code);
    exchange.put("redirect_uri", redirectUri);
    exchange.put("code_verifier", verifier);
    t = System.nanoTime();
    HttpResponse<String> tokens = http.send(post("/oauth2/token", exchange), HttpResponse.BodyHandlers.ofString());
    steps[2] = System.nanoTime() - t;
    expect(tally, "token", tokens, 200);
    if (!tokens.body().contains("\"access_token\"") || !tokens.body().contains("\"id_token\"")) {
      throw new StepFailure("token", "no access_token or id_token");
    }
  }

  private HttpRequest post(String path, Map<String, String> fields) {
    return HttpRequest.newBuilder(URI.create(auth + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form(fields))).build();
  }

  private static void expect(Tally tally, String step, HttpResponse<String> res, int status) throws StepFailure {
    if (res.statusCode() != status) {
      tally.statuses.merge(step + " " + res.statusCode(), 1, Integer::sum);
      throw new StepFailure(step, "status " + res.statusCode());
    }
  }

  private static String group(Pattern p, String text, String step) throws StepFailure {
    Matcher m = p.matcher(text);
    if (!m.find()) {
      throw new StepFailure(step, "missing " + p.pattern());
    }
    return m.group(1);
  }

  private static String form(Map<String, String> fields) {
    StringBuilder b = new StringBuilder();
    fields.forEach((k, v) -> b.append(b.length() == 0 ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
        .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return b.toString();
  }

  private static String report(List<Tally> tallies, int concurrency, double seconds) {
    List<Long> flows = new ArrayList<>();
    List<List<Long>> steps = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    Map<String, Integer> failures = new TreeMap<>();
    Map<String, Integer> statuses = new TreeMap<>();
    for (Tally t : tallies) {
      flows.addAll(t.flowNanos);
      for (int s = 0; s < STEPS.length; s++) {
        steps.get(s).addAll(t.steps.get(s));
      }
      t.failures.forEach((k, v) -> failures.merge(k, v, Integer::sum));
      t.statuses.forEach((k, v) -> statuses.merge(k, v, Integer::sum));
    }
    int failed = failures.values().stream().mapToInt(Integer::intValue).sum();
    StringBuilder b = new StringBuilder("{");
    b.append("\"flows\":").append(flows.size()).append(",\"failed\":").append(failed)
        .append(",\"seconds\":").append(round(seconds)).append(",\"flows_per_s\":").append(round(flows.size() / seconds))
        .append(",\"concurrency\":").append(concurrency)
        .append(",\"latency_ms\":{\"p50\":").append(ms(flows, 0.50)).append(",\"p99\":").append(ms(flows, 0.99))
        .append(",\"max\":").append(ms(flows, 1.0)).append('}')
        .append(",\"step_p50_ms\":{");
    for (int s = 0; s < STEPS.length; s++) {
      b.append(s == 0 ? "" : ",").append('"').append(STEPS[s]).append("\":").append(ms(steps.get(s), 0.50));
    }
    b.append("},\"failures\":").append(object(failures)).append(",\"statuses\":").append(object(statuses)).append('}');
    return b.toString();
  }

  private static String object(Map<String, Integer> m) {
    StringBuilder b = new StringBuilder("{");
    m.forEach((k, v) -> b.append(b.length() == 1 ? "" : ",").append('"').append(k).append("\":").append(v));
    return b.append('}').toString();
  }

  /** The q-quantile of nanosecond durations, in milliseconds (nearest rank); 0 when there are none. */
  private static double ms(List<Long> nanos, double q) {
    if (nanos.isEmpty()) {
      return 0;
    }
    long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(q * sorted.length) - 1;
    return round(sorted[Math.max(0, Math.min(sorted.length - 1, rank))] / 1e6);
  }

  private static double round(double x) {
    return Math.round(x * 100) / 100.0;
  }
}
