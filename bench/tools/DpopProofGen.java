import dev.jwtauth.keys.CryptoProvider;
import dev.jwtauth.keys.SigningAlgorithm;
import dev.jwtauth.tokens.DpopProofs;
import io.vertx.core.json.JsonObject;

import java.io.BufferedWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Prepares the kit's DPoP scenario: a wrk script cannot sign a proof per request, so this makes
 * them beforehand. One ES256 key; a login with a proof by it (a DPoP-bound access token); then
 * COUNT proofs for {@code GET <resource>/api/me}, each with its own {@code jti} and the token's
 * {@code ath}, split over THREADS files (one per wrk thread, each proof used once: the server
 * refuses a replayed jti). The server must accept proofs as old as the scenario lasts
 * ({@code DPOP_PROOF_WINDOW}, which the kit sets to 600 s).
 *
 * <p>{@code java -cp target/jwt-auth-server.jar bench/tools/DpopProofGen.java AUTH_URL RESOURCE_URL USER PASSWORD COUNT THREADS OUT_PREFIX}
 * writes {@code OUT_PREFIX-token.txt} and {@code OUT_PREFIX-<n>.txt} (n = 1..THREADS).
 */
public final class DpopProofGen {
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

  public static void main(String[] args) throws Exception {
    String auth = args[0];
    String resource = args[1];
    String user = args[2];
    String password = args[3];
    int count = Integer.parseInt(args[4]);
    int threads = Integer.parseInt(args[5]);
    String out = args[6];
    CryptoProvider.select("auto");
    KeyPair pair = SigningAlgorithm.ES256.generate();
    JsonObject jwk = SigningAlgorithm.ES256.publicJwk("k", pair.getPublic());
    jwk.remove("kid");
    jwk.remove("use");
    jwk.remove("alg");
    String header = B64URL.encodeToString(new JsonObject().put("typ", "dpop+jwt").put("alg", "ES256").put("jwk", jwk)
        .encode().getBytes(StandardCharsets.UTF_8));

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    String loginUrl = auth + "/auth/login";
    HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(loginUrl))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .header("DPoP", proof(pair, header, "POST", loginUrl, null))
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("username", user).put("password", password).encode()))
        .build(), HttpResponse.BodyHandlers.ofString());
    JsonObject body = new JsonObject(res.body());
    if (res.statusCode() != 200 || !"DPoP".equals(body.getString("token_type"))) {
      System.err.println("DPoP login failed: " + res.statusCode() + " " + body.getString("error"));
      System.exit(1);
    }
    String token = body.getString("access_token");
    Files.writeString(Path.of(out + "-token.txt"), token + "\n");

    String meUrl = resource + "/api/me";
    List<Thread> workers = new ArrayList<>();
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int t = 1; t <= threads; t++) {
      int n = t;
      int share = count / threads + (t <= count % threads ? 1 : 0);
      Thread w = new Thread(() -> {
        try (BufferedWriter file = Files.newBufferedWriter(Path.of(out + "-" + n + ".txt"))) {
          for (int i = 0; i < share; i++) {
            file.write(proof(pair, header, "GET", meUrl, token));
            file.write('\n');
          }
        } catch (Exception e) {
          failures.add(e);
        }
      });
      w.start();
      workers.add(w);
    }
    for (Thread w : workers) {
      w.join();
    }
    if (!failures.isEmpty()) {
      System.err.println("proof generation failed: " + failures.get(0));
      System.exit(1);
    }
  }

  private static String proof(KeyPair pair, String header, String method, String url, String token) throws Exception {
    JsonObject claims = new JsonObject().put("jti", UUID.randomUUID().toString()).put("htm", method).put("htu", url)
        .put("iat", System.currentTimeMillis() / 1000);
    if (token != null) {
      claims.put("ath", DpopProofs.ath(token));
    }
    String input = header + "." + B64URL.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    Signature s = SigningAlgorithm.ES256.newSignature();
    s.initSign(pair.getPrivate());
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + B64URL.encodeToString(s.sign());
  }
}
