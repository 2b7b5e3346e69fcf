package dev.jwtauth.users;

import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.Optional;

/** The {@code users} table. Every query is prepared; usernames arrive normalised. */
public final class UserRepository {
  private final Pool pool;

  public UserRepository(Pool pool) {
    this.pool = pool;
  }

  /** Raised by {@link #create} when the username is taken. */
  public static final class UserExists extends RuntimeException {
    public UserExists() {
      super("user exists", null, false, false);
    }
  }

  private static final String INSERT =
      "INSERT INTO users (username, password_hash, roles) VALUES ($1, $2, $3)"
          + " RETURNING id, username, password_hash, roles, disabled";

  /** Inserts a user; fails with {@link UserExists} when the username is taken. */
  public Future<User> create(String username, String passwordHash, List<String> roles) {
    return pool.preparedQuery(INSERT)
        .execute(Tuple.of(username, passwordHash, roles.toArray(new String[0])))
        .map(rows -> first(rows).orElseThrow())
        .recover(err -> err instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? Future.failedFuture(new UserExists())
            : Future.failedFuture(err));
  }

  private static final String LOCKED_FOR =
      "SELECT CEIL(EXTRACT(EPOCH FROM (locked_until - now())))::bigint AS seconds FROM users"
          + " WHERE username = $1 AND locked_until > now()";

  /** Seconds the account stays locked, or 0 when it is not locked. */
  public Future<Long> lockedFor(String username) {
    return pool.preparedQuery(LOCKED_FOR).execute(Tuple.of(username))
        .map(rows -> rows.size() == 0 ? 0L : Math.max(1L, rows.iterator().next().getLong("seconds")));
  }

  private static final String RESERVE_ATTEMPT =
      "UPDATE users SET failed_logins = failed_logins + 1,"
          + " locked_until = CASE WHEN failed_logins + 1 >= $2"
          // the exponent is bounded: 2^1024 overflows float8, which would make every login of a
          // long-attacked account fail with an error
          + " THEN now() + make_interval(secs => LEAST($4::float8,"
          + " $3::float8 * power(2, LEAST(failed_logins + 1 - $2, 30))))"
          + " ELSE locked_until END"
          + " WHERE username = $1 AND (locked_until IS NULL OR locked_until <= now())"
          + " RETURNING id, username, password_hash, roles, disabled";

  /**
   * Reserves one login attempt for an account that is not locked: counts it as a failure before
   * the password is checked (from {@code threshold} consecutive failures on, locking the account
   * for {@code baseSeconds}, doubling with each further failure up to {@code maxSeconds}), and
   * answers the user. {@link #recordSuccess} takes the count back. Answers empty for an unknown
   * or locked account. Checking and counting in one statement (under the row lock) keeps parallel
   * guesses from all passing the check before the first failure is counted.
   */
  public Future<Optional<User>> reserveAttempt(String username, int threshold, long baseSeconds, long maxSeconds) {
    return pool.preparedQuery(RESERVE_ATTEMPT)
        .execute(Tuple.of(username, threshold, (double) baseSeconds, (double) maxSeconds))
        .map(UserRepository::first);
  }

  private static final String RECORD_SUCCESS =
      "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE username = $1 AND failed_logins > 0";

  /** Resets the failure count (and lifts the lock) after a successful login. */
  public Future<Void> recordSuccess(String username) {
    return pool.preparedQuery(RECORD_SUCCESS).execute(Tuple.of(username)).mapEmpty();
  }

  private static final String UNLOCK =
      "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE username = $1";

  /** Lifts a lock (admin); answers whether the user exists. */
  public Future<Boolean> unlock(String username) {
    return pool.preparedQuery(UNLOCK).execute(Tuple.of(username)).map(rows -> rows.rowCount() > 0);
  }

  private static final String COUNT = "SELECT count(*) AS n FROM users";

  public Future<Long> count() {
    return pool.preparedQuery(COUNT).execute().map(rows -> rows.iterator().next().getLong("n"));
  }

  private static Optional<User> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(User.fromRow(rows.iterator().next()));
  }
}
