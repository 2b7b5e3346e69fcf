package dev.jwtauth.clients;

import dev.jwtauth.http.ApiError;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code clients} table: OAuth 2 clients for {@code client_credentials}, introspection,
 * revocation and the event-bus token API. Secrets are made by the server (256 random bits), so a
 * SHA-256 of them is as strong as a slow hash would be and keeps client authentication cheap
 * enough for high-rate issuance; only the hash is stored. Entry point of the {@code clients}
 * package; {@link ClientRules} says what a client may be.
 */
public final class ClientRepository {
  /** 409 for a taken client id. */
  public static final ApiError EXISTS = new ApiError(409, "client_exists", "A client with this client_id already exists.");
  /** 404 for an unknown client id. */
  public static final ApiError NOT_FOUND = new ApiError(404, "not_found", "No such client.");

  /** 401 for a client that is unknown, disabled or presented a wrong secret (one answer for all three). */
  public static final ApiError INVALID_CLIENT = new ApiError(401, "invalid_client", "Client authentication failed.");

  private static final String COLUMNS = "client_id, secret_hash, roles, scopes, disabled, created_at,"
      + " redirect_uris, grant_types, token_endpoint_auth_method";
  private final Pool pool;
  private final ClientCache cache;

  /** A repository that reads every lookup from the table (the command line). */
  public ClientRepository(Pool pool) {
    this(pool, null);
  }

  /** A repository whose lookups go through the process's {@link ClientCache} (null: none). */
  public ClientRepository(Pool pool, ClientCache cache) {
    this.pool = pool;
    this.cache = cache;
  }

  private static final String FIND = "SELECT " + COLUMNS + " FROM clients WHERE client_id = $1";

  /** The client with this id, from the process's cache when it has it. */
  public Future<Optional<Client>> find(String clientId) {
    Client cached = cache == null ? null : cache.get(clientId);
    if (cached != null) {
      return Future.succeededFuture(Optional.of(cached));
    }
    return pool.preparedQuery(FIND).execute(Tuple.of(clientId)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Client client = Client.fromRow(rows.iterator().next());
      if (cache != null) {
        cache.put(client);
      }
      return Optional.of(client);
    });
  }

  /** The client, or a failed future with {@link #NOT_FOUND}. */
  public Future<Client> get(String clientId) {
    return find(clientId).compose(c -> c.map(Future::succeededFuture).orElseGet(() -> Future.failedFuture(NOT_FOUND)));
  }

  /**
   * The client when {@code secret} is its current secret and it is enabled, else a failed future with
   * {@link #INVALID_CLIENT}.
   */
  public Future<Client> authenticate(String clientId, String secret) {
    if (clientId == null || secret == null || clientId.isEmpty() || clientId.length() > 128 || secret.length() > 256) {
      return Future.failedFuture(INVALID_CLIENT);
    }
    return find(clientId).compose(found -> found.isPresent() && found.get().secretMatches(secret)
        ? Future.succeededFuture(found.get())
        : Future.failedFuture(INVALID_CLIENT));
  }

  private static final String LIST = "SELECT " + COLUMNS + " FROM clients ORDER BY client_id";

  /** Every client, by id. */
  public Future<List<Client>> list() {
    return pool.query(LIST).execute().map(rows -> {
      List<Client> out = new ArrayList<>();
      for (Row row : rows) {
        out.add(Client.fromRow(row));
      }
      return out;
    });
  }

  private static final String INSERT = "INSERT INTO clients (client_id, secret_hash, roles, scopes, redirect_uris,"
      + " grant_types, token_endpoint_auth_method) VALUES ($1, $2, $3, $4, $5, $6, $7)";

  /**
   * Registers a client with a given secret (made by {@link ClientRules#newSecret}); the id, roles and
   * scopes must have passed {@link ClientRules}. Fails with {@link #EXISTS} for a taken id.
   */
  public Future<Void> create(String clientId, String secret, List<String> roles, List<String> scopes) {
    return create(clientId, secret, roles, scopes, ClientRules.Metadata.CLIENT_CREDENTIALS);
  }

  /**
   * Registers a client with its code-flow metadata ({@link ClientRules#metadata}); {@code secret} is
   * null for a public client.
   */
  public Future<Void> create(String clientId, String secret, List<String> roles, List<String> scopes,
                             ClientRules.Metadata metadata) {
    return pool.preparedQuery(INSERT)
        .execute(Tuple.tuple().addValue(clientId).addValue(secret == null ? null : ClientRules.hashSecret(secret))
            .addValue(roles.toArray(new String[0])).addValue(scopes.toArray(new String[0]))
            .addValue(metadata.redirectUris().toArray(new String[0]))
            .addValue(metadata.grantTypes().toArray(new String[0])).addValue(metadata.authMethod()))
        .<Void>mapEmpty()
        .recover(err -> err instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? Future.failedFuture(EXISTS)
            : Future.failedFuture(err));
  }

  private static final String SET_DISABLED =
      "UPDATE clients SET disabled = $2, updated_at = now() WHERE client_id = $1";

  /** Disables or enables a client; fails with {@link #NOT_FOUND}. */
  public Future<Void> setDisabled(String clientId, boolean disabled) {
    return changed(clientId, pool.preparedQuery(SET_DISABLED).execute(Tuple.of(clientId, disabled)).map(r -> r.rowCount()));
  }

  private static final String SET_SECRET = "UPDATE clients SET secret_hash = $2, updated_at = now()"
      + " WHERE client_id = $1 AND token_endpoint_auth_method <> 'none'";

  /**
   * Replaces a client's secret (the old one stops working at once); fails with {@link #NOT_FOUND}
   * (also for a public client, which has no secret).
   */
  public Future<Void> setSecret(String clientId, String secret) {
    return changed(clientId, pool.preparedQuery(SET_SECRET).execute(Tuple.of(clientId, ClientRules.hashSecret(secret)))
        .map(r -> r.rowCount()));
  }

  private static final String DELETE = "DELETE FROM clients WHERE client_id = $1";

  /** Deletes a client; fails with {@link #NOT_FOUND}. */
  public Future<Void> delete(String clientId) {
    return changed(clientId, pool.preparedQuery(DELETE).execute(Tuple.of(clientId)).map(r -> r.rowCount()));
  }

  /**
   * Maps a change's row count to success or {@link #NOT_FOUND}, and drops the process's cached copy
   * at once (other processes drop theirs on the table's notification).
   */
  private Future<Void> changed(String clientId, Future<Integer> rows) {
    return rows.compose(n -> {
      if (cache != null) {
        cache.invalidate(clientId);
      }
      return n == 0 ? Future.failedFuture(NOT_FOUND) : Future.succeededFuture();
    });
  }
}
