// A Vert.x service of another team that trusts jwt-auth-server's access tokens, with only the
// library dev.jwtauth:jwt-auth-verifier (mvn -f verifier/pom.xml install) and its dependencies.
//
//   ISSUER=https://auth.example.com AUDIENCE=api PORT=9000 \
//   FEED_CLIENT_ID=orders-service FEED_CLIENT_SECRET=… java -cp <library + dependencies> VerifyingService.java
//
// Without FEED_CLIENT_ID/FEED_CLIENT_SECRET (a client registered with the scope revocations:read:
// java -jar target/jwt-auth-server.jar client add orders-service --scope revocations:read) it
// cannot see revocations: a logged-out token stays valid here until it expires (15 min by default).
// ExternalVerifierProcessTest runs this very file in a JVM of its own.

import dev.jwtauth.verifier.ResourceServerAuth;
import dev.jwtauth.verifier.ResourceServerOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

public class VerifyingService {
  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    ResourceServerOptions options = new ResourceServerOptions()
        .setIssuer(System.getenv("ISSUER"))                       // discovery: <ISSUER>/.well-known/openid-configuration
        .setAudience(System.getenv().getOrDefault("AUDIENCE", "api"));
    if (System.getenv("FEED_CLIENT_ID") != null) {
      options.setFeedClient(System.getenv("FEED_CLIENT_ID"), System.getenv("FEED_CLIENT_SECRET"));
    }
    ResourceServerAuth auth = ResourceServerAuth.create(vertx, options).await();

    Router router = Router.router(vertx);
    router.get("/ready").handler(ctx -> ctx.response().setStatusCode(auth.ready() ? 200 : 503).end());
    auth.protect(router, "/api/*");                              // 503 until keys (+ first snapshot), then 401 or on
    router.get("/api/me").handler(ctx -> ctx.json(new JsonObject()
        .put("sub", ResourceServerAuth.claims(ctx.user()).getString("sub"))
        .put("roles", ResourceServerAuth.claims(ctx.user()).getJsonArray("roles"))));
    router.get("/api/admin").handler(auth.requireRole("admin")).handler(ctx -> ctx.json(new JsonObject().put("admin", true)));
    router.get("/api/reports").handler(auth.requireScope("reports:read")).handler(ctx -> ctx.json(new JsonObject().put("reports", 0)));

    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "9000"));
    vertx.createHttpServer().requestHandler(router)
        .listen(port, System.getenv().getOrDefault("HOST", "0.0.0.0")).await();
  }
}
