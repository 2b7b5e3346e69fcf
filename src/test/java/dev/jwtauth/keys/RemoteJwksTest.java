package dev.jwtauth.keys;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against a real HTTP server on loopback that answers like the auth origin's JWKS endpoint. */
@DisplayName("JWKS_URI fetches are conditional: If-None-Match with the last ETag, and a 304 keeps the keys")
class RemoteJwksTest {
  private final Vertx vertx = Vertx.vertx();
  private final List<String> ifNoneMatch = new CopyOnWriteArrayList<>();
  private final AtomicReference<JsonObject> current = new AtomicReference<>(set("k1"));
  private final AtomicReference<Integer> failWith = new AtomicReference<>();
  private HttpServer server;
  private RemoteJwks remote;

  private static JsonObject set(String kid) {
    return new JsonObject().put("keys", new JsonArray().add(new JsonObject().put("kty", "EC").put("kid", kid)));
  }

  @BeforeEach
  void start() {
    server = vertx.createHttpServer().requestHandler(req -> {
      String inm = req.getHeader("If-None-Match");
      ifNoneMatch.add(inm == null ? "-" : inm);
      if (failWith.get() != null) {
        req.response().setStatusCode(failWith.get()).end();
        return;
      }
      JsonObject keys = current.get();
      String etag = "\"" + keys.getJsonArray("keys").getJsonObject(0).getString("kid") + "\"";
      if (etag.equals(inm)) {
        req.response().setStatusCode(304).putHeader("ETag", etag).end();
      } else {
        req.response().putHeader("ETag", etag).putHeader("Content-Type", "application/json").end(keys.encode());
      }
    }).listen(0, "127.0.0.1").await();
    remote = new RemoteJwks(WebClient.create(vertx), "http://127.0.0.1:" + server.actualPort() + "/.well-known/jwks.json");
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  @DisplayName("the first fetch is plain; the next ones send the ETag, and a 304 returns the keys held")
  void conditionalFetch() {
    assertThat(remote.fetch().await()).isEqualTo(set("k1"));
    assertThat(remote.etag()).isEqualTo("\"k1\"");
    assertThat(remote.fetch().await()).isEqualTo(set("k1"));
    assertThat(remote.fetchIfChanged().await()).as("304: nothing changed").isNull();
    assertThat(ifNoneMatch).containsExactly("-", "\"k1\"", "\"k1\"");
  }

  @Test
  @DisplayName("a changed key set (new ETag) is fetched in full and its ETag used from then on")
  void changedSet() {
    remote.fetch().await();
    current.set(set("k2"));
    assertThat(remote.fetchIfChanged().await()).isEqualTo(set("k2"));
    assertThat(remote.fetch().await()).isEqualTo(set("k2"));
    assertThat(ifNoneMatch).containsExactly("-", "\"k1\"", "\"k2\"");
  }

  @Test
  @DisplayName("an error answer fails the fetch (the caller keeps its keys), and the next fetch is still conditional")
  void errorAnswer() {
    remote.fetch().await();
    failWith.set(503);
    assertThatThrownBy(() -> remote.fetch().await()).hasMessageContaining("503");
    failWith.set(null);
    assertThat(remote.fetch().await()).isEqualTo(set("k1"));
    assertThat(ifNoneMatch).containsExactly("-", "\"k1\"", "\"k1\"");
  }
}
