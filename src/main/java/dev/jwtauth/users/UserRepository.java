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

  /**
   * A user as administration shows it: never the password hash.
   *
   * @param id        the subject id
   * @param username  normalised name
   * @param roles     role names
   * @param disabled  whether it may log in
   * @param createdAt creation time, epoch seconds
   */
  public record Account(java.util.UUID id, String username, List<String> roles, boolean disabled, long createdAt) {
    static Account fromRow(Row row) {
      String[] roles = row.getArrayOfStrings("roles");
      return new Account(row.getUUID("id"), row.getString("username"),
          roles == null ? List.of() : java.util.Arrays.asList(roles), row.getBoolean("disabled"),
          row.getOffsetDateTime("created_at").toEpochSecond());
    }

    /** {@code {"id","username","roles","disabled","created_at"}}. */
    public io.vertx.core.json.JsonObject toJson() {
      return new io.vertx.core.json.JsonObject().put("id", id.toString()).put("username", username)
          .put("roles", new io.vertx.core.json.JsonArray(roles)).put("disabled", disabled).put("created_at", createdAt);
    }
  }

  /** One page of users and how many match in all. */
  public record Page(List<Account> users, long total) {
  }

  private static final String COLUMNS = "id, username, roles, disabled, created_at";
  private static final String LIST = "SELECT " + COLUMNS + " FROM users"
      + " WHERE ($1::text IS NULL OR strpos(username, $1) > 0) ORDER BY username LIMIT $2 OFFSET $3";
  private static final String LIST_COUNT = "SELECT count(*) AS n FROM users WHERE ($1::text IS NULL OR strpos(username, $1) > 0)";

  /** Users whose name contains {@code q} (null: all), by name, {@code limit} from {@code offset}. */
  public Future<Page> list(String q, int limit, long offset) {
    return pool.preparedQuery(LIST).execute(Tuple.of(q, limit, offset)).compose(rows -> {
      List<Account> page = new java.util.ArrayList<>();
      rows.forEach(r -> page.add(Account.fromRow(r)));
      return pool.preparedQuery(LIST_COUNT).execute(Tuple.of(q))
          .map(count -> new Page(page, count.iterator().next().getLong("n")));
    });
  }

  private static final String FIND = "SELECT " + COLUMNS + " FROM users WHERE username = $1";

  /** The account named {@code username} (normalised), if any. */
  public Future<Optional<Account>> find(String username) {
    return pool.preparedQuery(FIND).execute(Tuple.of(username))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(Account.fromRow(rows.iterator().next())));
  }

  private static final String FIND_BY_ID = "SELECT " + COLUMNS + " FROM users WHERE id = $1";

  /** The account with subject id {@code id}, if any. */
  public Future<Optional<Account>> findById(java.util.UUID id) {
    return pool.preparedQuery(FIND_BY_ID).execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(Account.fromRow(rows.iterator().next())));
  }

  private static final String HASH = "SELECT password_hash FROM users WHERE id = $1";

  /** The PHC hash of a user's password, if the user exists (for re-authentication only). */
  public Future<Optional<String>> passwordHash(java.util.UUID id) {
    return pool.preparedQuery(HASH).execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("password_hash")));
  }

  private static final String SET_ROLES = "UPDATE users SET roles = $2 WHERE id = $1";

  public Future<Void> setRoles(java.util.UUID id, List<String> roles) {
    return pool.preparedQuery(SET_ROLES).execute(Tuple.tuple().addUUID(id).addArrayOfString(roles.toArray(new String[0])))
        .mapEmpty();
  }

  private static final String SET_DISABLED = "UPDATE users SET disabled = $2 WHERE id = $1";

  public Future<Void> setDisabled(java.util.UUID id, boolean disabled) {
    return pool.preparedQuery(SET_DISABLED).execute(Tuple.of(id, disabled)).mapEmpty();
  }

  private static final String SET_PASSWORD = "UPDATE users SET password_hash = $2 WHERE id = $1";

  public Future<Void> setPasswordHash(java.util.UUID id, String hash) {
    return pool.preparedQuery(SET_PASSWORD).execute(Tuple.of(id, hash)).mapEmpty();
  }

  private static final String REPLACE_HASH =
      "UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2";

  /**
   * Replaces a hash made with older parameters by one of the current ones, unless the password changed
   * meanwhile (then the newer password wins). Answers whether it replaced it.
   */
  public Future<Boolean> upgradeHash(java.util.UUID id, String oldHash, String newHash) {
    return pool.preparedQuery(REPLACE_HASH).execute(Tuple.of(id, oldHash, newHash)).map(rows -> rows.rowCount() == 1);
  }

  private static final String DELETE = "DELETE FROM users WHERE id = $1";

  /** Deletes a user; its refresh tokens and pending reset go with it (ON DELETE CASCADE). */
  public Future<Void> delete(java.util.UUID id) {
    return pool.preparedQuery(DELETE).execute(Tuple.of(id)).mapEmpty();
  }

  private static final String OTHER_ADMINS =
      "SELECT count(*) AS n FROM users WHERE NOT disabled AND 'admin' = ANY(roles) AND id <> $1";

  /** How many enabled users other than {@code id} hold the admin role. */
  public Future<Long> otherEnabledAdmins(java.util.UUID id) {
    return pool.preparedQuery(OTHER_ADMINS).execute(Tuple.of(id)).map(rows -> rows.iterator().next().getLong("n"));
  }

  private static final String PUT_RESET =
      "INSERT INTO password_resets (user_id, token_hash, expires_at) VALUES ($1, $2, $3)"
          + " ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, expires_at = excluded.expires_at,"
          + " created_at = now()";

  /** Stores the pending reset of a user (replacing any earlier one): the token's hash and its expiry. */
  public Future<Void> putReset(java.util.UUID id, io.vertx.core.buffer.Buffer tokenHash, java.time.OffsetDateTime expiresAt) {
    return pool.preparedQuery(PUT_RESET).execute(Tuple.of(id, tokenHash, expiresAt)).mapEmpty();
  }

  private static final String FIND_RESET = "SELECT user_id FROM password_resets WHERE token_hash = $1 AND expires_at > $2";

  /** The user a pending, unexpired reset token belongs to. */
  public Future<Optional<java.util.UUID>> resetOwner(io.vertx.core.buffer.Buffer tokenHash, java.time.OffsetDateTime now) {
    return pool.preparedQuery(FIND_RESET).execute(Tuple.of(tokenHash, now))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getUUID("user_id")));
  }

  private static final String CONSUME_RESET =
      "DELETE FROM password_resets WHERE token_hash = $1 AND expires_at > $2 RETURNING user_id";

  /** Uses a reset token up, once (concurrent uses: one wins); answers its user. */
  public Future<Optional<java.util.UUID>> consumeReset(io.vertx.core.buffer.Buffer tokenHash, java.time.OffsetDateTime now) {
    return pool.preparedQuery(CONSUME_RESET).execute(Tuple.of(tokenHash, now))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getUUID("user_id")));
  }

  private static Optional<User> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(User.fromRow(rows.iterator().next()));
  }
}
