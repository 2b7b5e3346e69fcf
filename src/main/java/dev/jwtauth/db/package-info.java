/**
 * PostgreSQL: the shared pool, the schema migrations and the embedded server used when PG_URI is
 * unset. Start at {@link dev.jwtauth.db.Database}; the schema is in src/main/resources/db/.
 */
package dev.jwtauth.db;
