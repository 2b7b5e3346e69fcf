/**
 * Users: their table, usernames and argon2id password hashing. Start at
 * {@link dev.jwtauth.users.UserRepository}; hashing is {@link dev.jwtauth.users.PasswordHasher}.
 */
package dev.jwtauth.users;
