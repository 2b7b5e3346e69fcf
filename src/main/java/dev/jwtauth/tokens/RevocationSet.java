package dev.jwtauth.tokens;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;

import java.time.Clock;

/**
 * The process's revocation list: the resource-server library's {@link dev.jwtauth.verifier.RevocationSet},
 * one per process, shared by every verifier of it. A revocation made in this process is added before
 * the request that made it is answered, so the next request in this process is rejected whatever
 * event loop serves it; other members add it from the {@code auth.token.revoked} publish, and a
 * resource process outside the cluster from the revocation feed.
 */
public final class RevocationSet extends dev.jwtauth.verifier.RevocationSet {
  private static final String MAP = "jwt-auth-server";
  private static final String KEY = "revocations";

  public RevocationSet(Clock clock) {
    super(clock);
  }

  /** The set of this process (this Vert.x instance), made on first use. */
  public static RevocationSet shared(Vertx vertx, Clock clock) {
    LocalMap<String, RevocationSet> map = vertx.sharedData().getLocalMap(MAP);
    RevocationSet fresh = new RevocationSet(clock);
    RevocationSet existing = map.putIfAbsent(KEY, fresh);
    return existing != null ? existing : fresh;
  }
}
