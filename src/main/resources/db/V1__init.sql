-- Users, refresh-token families, revocations and OAuth 2 clients.
CREATE TABLE users (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  username       text NOT NULL UNIQUE,
  password_hash  text NOT NULL,
  roles          text[] NOT NULL DEFAULT '{}',
  disabled       boolean NOT NULL DEFAULT false,
  failed_logins  integer NOT NULL DEFAULT 0,
  locked_until   timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- Opaque refresh tokens, stored as SHA-256 of the token only. family_id is the login session
-- (the access tokens' sid): every token rotated from one login shares it.
CREATE TABLE refresh_tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  family_id    uuid NOT NULL,
  user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash   bytea NOT NULL UNIQUE,
  client_id    text,
  expires_at   timestamptz NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  used_at      timestamptz,
  replaced_by  uuid,
  revoked_at   timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

-- Revoked access tokens (kind 'jti') and sessions (kind 'sid'), kept until the tokens concerned
-- would have expired anyway.
CREATE TABLE revocations (
  kind        text NOT NULL CHECK (kind IN ('jti', 'sid')),
  value       text NOT NULL,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, value)
);
CREATE INDEX revocations_expires_idx ON revocations (expires_at);

-- OAuth 2 clients for client_credentials, secrets stored as SHA-256 hashes (the secrets are random, not passwords).
CREATE TABLE clients (
  client_id    text PRIMARY KEY,
  secret_hash  text NOT NULL,
  roles        text[] NOT NULL DEFAULT '{}',
  scopes       text[] NOT NULL DEFAULT '{}',
  disabled     boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now()
);
