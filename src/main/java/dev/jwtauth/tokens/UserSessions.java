package dev.jwtauth.tokens;

import io.vertx.core.Future;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The sessions of one user, for administration and self-service: list them, end one, end all but
 * one, or end all and refuse every access token issued so far (a {@code sub} cut-off, announced to
 * every member). Refresh families are revoked first, each after any rotation in flight, so no
 * successor can outlive the revocation.
 */
public final class UserSessions {
  private final RefreshTokens refresh;
  private final Revocations revocations;
  private final Duration span;
  private final Clock clock;

  /**
   * @param span how long after now an access token issued now may still be accepted (access TTL + leeway)
   */
  public UserSessions(RefreshTokens refresh, Revocations revocations, Duration span, Clock clock) {
    this.refresh = refresh;
    this.revocations = revocations;
    this.span = span;
    this.clock = clock;
  }

  private long until() {
    return clock.millis() / 1000 + span.toSeconds();
  }

  /** The live sessions of a user, most recently used first. */
  public Future<List<RefreshTokens.Session>> list(UUID userId) {
    return refresh.sessions(userId);
  }

  /** Ends every session of the user and refuses every access token of it issued up to now. */
  public Future<Void> revokeAll(UUID userId) {
    return refresh.revokeUser(userId, null)
        .compose(families -> revocations.revokeIssuedBefore("sub", userId.toString(), until()));
  }

  /** Ends every session of the user but {@code keepSid}'s: their refresh families and access tokens (by sid). */
  public Future<Void> revokeOthers(UUID userId, String keepSid) {
    return refresh.revokeUser(userId, SessionIds.family(keepSid)).compose(families -> {
      List<Future<Void>> sids = new ArrayList<>();
      long until = until();
      for (UUID family : families) {
        sids.add(revocations.revoke("sid", SessionIds.of(family), until));
      }
      return Future.all(sids).mapEmpty();
    });
  }

  /** Ends one session of the user; answers false when {@code sid} is not one of the user's sessions. */
  public Future<Boolean> revokeOne(UUID userId, String sid) {
    UUID family = SessionIds.family(sid);
    if (family == null) {
      return Future.succeededFuture(false);
    }
    return refresh.ownedBy(family, userId).compose(owned -> !owned ? Future.succeededFuture(false)
        : refresh.revokeFamily(family).compose(v -> revocations.revoke("sid", sid, until())).map(true));
  }
}
