package dev.jwtauth.testsupport;

/** A user a test created, with its password. */
public record TestUser(String name, String password) {
}
