-- OpenID Connect authorization code flow with PKCE (issue 12, items 1-3).
-- Clients gain RFC 7591 metadata: exact redirect URIs, the grants they may use and how they
-- authenticate at the token endpoint ('none' = a public client: no secret, PKCE required).
ALTER TABLE clients ALTER COLUMN secret_hash DROP NOT NULL;
ALTER TABLE clients ADD COLUMN redirect_uris text[] NOT NULL DEFAULT '{}';
ALTER TABLE clients ADD COLUMN grant_types text[] NOT NULL DEFAULT '{client_credentials}';
ALTER TABLE clients ADD COLUMN token_endpoint_auth_method text NOT NULL DEFAULT 'client_secret_basic'
  CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'none'));
ALTER TABLE clients ADD CONSTRAINT clients_secret_unless_public
  CHECK ((token_endpoint_auth_method = 'none') = (secret_hash IS NULL));

-- The scopes a session (refresh family) was granted, so a refresh keeps them (null: none asked).
ALTER TABLE refresh_tokens ADD COLUMN scopes text[];

-- A pending authorization request, between the sign-in page and the password: keyed by its id
-- (a hidden field), holding the SHA-256 of its CSRF token and the request as validated.
CREATE TABLE authorization_requests (
  id          text PRIMARY KEY,
  csrf_hash   bytea NOT NULL,
  request     jsonb NOT NULL,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX authorization_requests_expires_idx ON authorization_requests (expires_at);

-- Sign-in sessions of the browser (cookie holds the token, the table its SHA-256).
CREATE TABLE signin_sessions (
  token_hash  bytea PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  auth_time   timestamptz NOT NULL,
  expires_at  timestamptz NOT NULL,
  ended_at    timestamptz
);
CREATE INDEX signin_sessions_expires_idx ON signin_sessions (expires_at);

-- Authorization codes: single use, stored hashed, bound to everything the token request must match
-- (redirect_given: the authorization request named its redirect_uri, so the token request must too).
-- family_id is the session (refresh family, the tokens' sid) the code's exchange creates, so a
-- second use can revoke what the first issued.
CREATE TABLE authorization_codes (
  code_hash       bytea PRIMARY KEY,
  client_id       text NOT NULL,
  redirect_uri    text NOT NULL,
  redirect_given  boolean NOT NULL,
  code_challenge  text NOT NULL,
  nonce           text,
  scopes          text[] NOT NULL,
  user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  auth_time       timestamptz NOT NULL,
  family_id       uuid NOT NULL,
  signin_session  bytea,
  expires_at      timestamptz NOT NULL,
  used_at         timestamptz
);
CREATE INDEX authorization_codes_expires_idx ON authorization_codes (expires_at);
