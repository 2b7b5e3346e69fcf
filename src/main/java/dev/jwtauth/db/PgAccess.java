package dev.jwtauth.db;

import static dev.jwtauth.db.PgCredentials.APP_DATABASE;
import static dev.jwtauth.db.PgCredentials.APP_ROLE;
import static dev.jwtauth.db.PgCredentials.SUPERUSER;

/**
 * Who may connect to the embedded PostgreSQL and what the application's role may do: the
 * {@code pg_hba.conf} we write, and the statements that set up the roles, run in single-user mode
 * (no network, no pg_hba.conf) before the server listens.
 *
 * <p>The statements are idempotent: they make a new cluster ready, and upgrade one made by an
 * earlier release (trust authentication, everything in the database {@code postgres} owned by the
 * superuser) in place: that database becomes {@value PgCredentials#APP_DATABASE} and every table in
 * it passes to {@value PgCredentials#APP_ROLE}.
 */
final class PgAccess {
  /** Password (SCRAM) logins over loopback TCP only; no trust, no replication connections. */
  static final String HBA = String.join("\n",
      "# Written by jwt-auth-server on every start; edits are overwritten.",
      "# Passwords (SCRAM-SHA-256) only, over loopback TCP. There is no unix socket",
      "# (unix_socket_directories = ''); the local line holds should one be configured.",
      "# TYPE  DATABASE  USER  ADDRESS       METHOD",
      "local   all       all                 scram-sha-256",
      "host    all       all   127.0.0.1/32  scram-sha-256",
      "");

  private PgAccess() {
  }

  /**
   * Run on {@code template1}: the application's role (a plain login role, member of nothing), both
   * passwords (as SCRAM verifiers), the application's database, owned by that role.
   */
  static String clusterScript(PgCredentials credentials) {
    return statements(
        """
        DO $$
        DECLARE r record;
        BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%1$s') THEN
            CREATE ROLE %1$s;
          END IF;
          FOR r IN SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                   JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = '%1$s' LOOP
            EXECUTE format('REVOKE %%I FROM %1$s', r.rolname);
          END LOOP;
          IF NOT EXISTS (SELECT FROM pg_database WHERE datname = '%2$s') THEN
            ALTER DATABASE postgres RENAME TO %2$s;
          END IF;
        END
        $$""".formatted(APP_ROLE, APP_DATABASE),
        "ALTER ROLE " + APP_ROLE + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            + " PASSWORD '" + credentials.appVerifier() + "'",
        "ALTER ROLE " + SUPERUSER + " PASSWORD '" + credentials.superuserVerifier() + "'",
        // PostgreSQL 14 lets every role create objects in public; new databases copy template1
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        "ALTER DATABASE " + APP_DATABASE + " OWNER TO " + APP_ROLE,
        "REVOKE ALL ON DATABASE " + APP_DATABASE + " FROM PUBLIC");
  }

  /** Run on the application's database: its schema and every object in it pass to the application's role. */
  static String databaseScript() {
    return statements(
        "ALTER SCHEMA public OWNER TO " + APP_ROLE,
        "REVOKE ALL ON SCHEMA public FROM PUBLIC",
        // tables first (their indexes and serial sequences follow), then any sequence left
        """
        DO $$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                     AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = '%1$s') LOOP
            EXECUTE format('ALTER %%s public.%%I OWNER TO %1$s', CASE r.relkind WHEN 'v' THEN 'VIEW'
              WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.relname);
          END LOOP;
          FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = 'public' AND c.relkind = 'S'
                     AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = '%1$s') LOOP
            EXECUTE format('ALTER SEQUENCE public.%%I OWNER TO %1$s', r.relname);
          END LOOP;
        END
        $$""".formatted(APP_ROLE));
  }

  /** Single-user mode with {@code -j} ends a statement at a semicolon followed by an empty line. */
  private static String statements(String... sql) {
    StringBuilder script = new StringBuilder();
    for (String s : sql) {
      script.append(s).append(";\n\n");
    }
    return script.toString();
  }
}
