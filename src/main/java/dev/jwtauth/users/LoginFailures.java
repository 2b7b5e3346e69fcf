package dev.jwtauth.users;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.Optional;

/**
 * The tables {@code login_failures} (verified failures per submitted name and client address
 * group, with the pair's lock) and {@code login_budgets} (the account-wide failure budget of a
 * name). Both are keyed by the name as submitted (normalised), whether or not such a user exists,
 * and store it only as a keyed hash ({@code login_key(name)} in SQL). Only verified wrong passwords
 * are written here; a login in flight never is.
 */
public final class LoginFailures {
  private final Pool pool;
  private final LockoutPolicy policy;

  public LoginFailures(Pool pool, LockoutPolicy policy) {
    this.pool = pool;
    this.policy = policy;
  }

  /**
   * What a login needs to know before it hashes.
   *
   * @param user          the account, empty for an unknown name
   * @param failures      recent verified failures of this (name, address) pair
   * @param lockedSeconds seconds the pair stays locked, 0 when it is not locked
   * @param tokens        the name's account-wide budget left (full when never used)
   */
  public record State(Optional<User> user, int failures, long lockedSeconds, double tokens) {
  }

  private static final String READ =
      "SELECT u.id, u.username, u.password_hash, u.roles, u.disabled, f.failures,"
          + " CASE WHEN f.locked_until > now()"
          + " THEN CEIL(EXTRACT(EPOCH FROM (f.locked_until - now())))::bigint END AS locked_seconds,"
          + " LEAST($4::float8, b.tokens + EXTRACT(EPOCH FROM (now() - b.updated_at))::float8 * $4::float8 / 3600)"
          + " AS tokens"
          + " FROM (SELECT login_key($1) AS k) AS key"
          + " LEFT JOIN users u ON u.username = $5"
          + " LEFT JOIN login_failures f ON f.name_key = key.k AND f.address = $2"
          + " AND f.last_failure > now() - make_interval(secs => $3::float8)"
          + " LEFT JOIN login_budgets b ON b.name_key = key.k";

  /**
   * The account (if any), the pair's recent failures and lock, and the name's budget; one query.
   *
   * @param name     the name as counted (normalised, or lower-cased when it breaks the username policy)
   * @param username the name to look the account up by; empty when it breaks the policy
   */
  public Future<State> read(String name, Optional<String> username, String address) {
    return pool.preparedQuery(READ)
        .execute(Tuple.of(name, address, (double) policy.memorySeconds(), (double) policy.accountPerHour(),
            username.orElse(null)))
        .map(rows -> {
          Row row = rows.iterator().next();
          Optional<User> user = row.getUUID("id") == null ? Optional.empty() : Optional.of(User.fromRow(row));
          Integer failures = row.getInteger("failures");
          Long locked = row.getLong("locked_seconds");
          Double tokens = row.getDouble("tokens");
          return new State(user, failures == null ? 0 : failures, locked == null ? 0 : Math.max(1, locked),
              tokens == null ? policy.accountPerHour() : tokens);
        });
  }

  /** The pair's failure count after this one: the previous count if still remembered, plus one. */
  private static final String COUNT =
      "(CASE WHEN f.last_failure > now() - make_interval(secs => $6::float8) THEN f.failures + 1 ELSE 1 END)";

  private static final String RECORD_FAILURE =
      "WITH budget AS ("
          + " INSERT INTO login_budgets AS b (name_key, tokens, updated_at) VALUES (login_key($1), $7::float8 - 1, now())"
          + " ON CONFLICT (name_key) DO UPDATE SET tokens = GREATEST(0, LEAST($7::float8, b.tokens"
          + " + EXTRACT(EPOCH FROM (now() - b.updated_at))::float8 * $7::float8 / 3600) - 1), updated_at = now())"
          + " INSERT INTO login_failures AS f (name_key, address, failures, locked_until, last_failure)"
          + " VALUES (login_key($1), $2, 1, CASE WHEN 1 >= $3 THEN now() + make_interval(secs => $4::float8) END, now())"
          + " ON CONFLICT (name_key, address) DO UPDATE SET failures = " + COUNT + ","
          + " locked_until = CASE WHEN " + COUNT + " >= $3"
          // the exponent is bounded: 2^1024 overflows float8, which would make every login of a
          // long-attacked pair fail with an error
          + " THEN now() + make_interval(secs => LEAST($5::float8, $4::float8 * power(2, LEAST(" + COUNT + " - $3, 30))))"
          + " END, last_failure = now()"
          + " RETURNING failures";

  /**
   * Records one verified failure of the pair (locking it from {@code LOCKOUT_THRESHOLD} failures
   * on, for a doubling, capped time) and takes one token from the name's budget; answers the
   * pair's failure count. One statement, so parallel failures are all counted.
   */
  public Future<Integer> recordFailure(String name, String address) {
    return pool.preparedQuery(RECORD_FAILURE)
        .execute(Tuple.from(new Object[] {name, address, policy.threshold(), (double) policy.baseSeconds(),
            (double) policy.maxSeconds(), (double) policy.memorySeconds(), (double) policy.accountPerHour()}))
        .map(rows -> rows.iterator().next().getInteger("failures"));
  }

  private static final String CLEAR_PAIR = "DELETE FROM login_failures WHERE name_key = login_key($1) AND address = $2";

  /** Forgets the pair's failures after a successful login (other addresses keep theirs). */
  public Future<Void> clearPair(String name, String address) {
    return pool.preparedQuery(CLEAR_PAIR).execute(Tuple.of(name, address)).mapEmpty();
  }

  private static final String PRUNE =
      "WITH f AS (DELETE FROM login_failures WHERE last_failure < now() - make_interval(secs => $1::float8)"
          + " AND (locked_until IS NULL OR locked_until < now()))"
          // a budget untouched for an hour is full again: no row says the same
          + " DELETE FROM login_budgets WHERE updated_at < now() - interval '1 hour'";

  /** Deletes forgotten failures and refilled budgets. */
  public Future<Void> prune() {
    return pool.preparedQuery(PRUNE).execute(Tuple.of((double) policy.memorySeconds())).mapEmpty();
  }
}
