package dev.jwtauth.users;

import io.vertx.sqlclient.Row;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * A user row.
 *
 * @param id           stable subject id, the {@code sub} of its tokens
 * @param username     normalised login name (see {@link Usernames})
 * @param passwordHash argon2id PHC string
 * @param roles        role names, carried in the {@code roles} claim
 * @param disabled     a disabled user cannot log in or refresh
 */
public record User(UUID id, String username, String passwordHash, List<String> roles, boolean disabled) {

  static User fromRow(Row row) {
    String[] roles = row.getArrayOfStrings("roles");
    return new User(row.getUUID("id"), row.getString("username"), row.getString("password_hash"),
        roles == null ? List.of() : Arrays.asList(roles), row.getBoolean("disabled"));
  }
}
