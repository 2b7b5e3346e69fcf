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

  private static final String UNLOCK =
      "WITH f AS (DELETE FROM login_failures WHERE name_key = login_key($1)),"
          + " b AS (DELETE FROM login_budgets WHERE name_key = login_key($1))"
          + " UPDATE users SET failed_logins = 0, locked_until = NULL WHERE username = $1";

  /**
   * Lifts every lock on the name (admin, command line): forgets its failures from every address and
   * refills its account-wide budget. Answers whether the user exists.
   */
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
