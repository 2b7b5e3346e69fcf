-- Failed logins per (submitted name, client address group), and an account-wide failure budget
-- per name. Names are not references to users: an unknown name is counted exactly like a known
-- one, so the lockout cannot tell which names exist. Names are stored keyed-hashed only (a name
-- that does not exist may be a password typed into the wrong field).
CREATE TABLE login_secret (
  secret bytea NOT NULL
);
-- 32 bytes from two random UUIDs (gen_random_uuid draws from pg_strong_random): 244 random bits
INSERT INTO login_secret (secret) VALUES (uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()));

CREATE FUNCTION login_key(name text) RETURNS bytea LANGUAGE sql STABLE
  AS $$ SELECT sha256(secret || convert_to(name, 'UTF8')) FROM login_secret $$;

CREATE TABLE login_failures (
  name_key      bytea NOT NULL,
  address       text NOT NULL,
  failures      integer NOT NULL,
  locked_until  timestamptz,
  last_failure  timestamptz NOT NULL,
  PRIMARY KEY (name_key, address)
);
CREATE INDEX login_failures_last_idx ON login_failures (last_failure);

-- A token bucket per name: capacity LOCKOUT_ACCOUNT_PER_HOUR, refilled at that rate per hour;
-- every verified failure takes one token. No row: a full bucket.
CREATE TABLE login_budgets (
  name_key    bytea PRIMARY KEY,
  tokens      double precision NOT NULL,
  updated_at  timestamptz NOT NULL
);
