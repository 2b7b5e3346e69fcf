-- Two-factor sign-in with TOTP (RFC 6238).
-- The shared secret is stored only encrypted: AES-256-GCM under KEYS_DIR/totp.key, a random
-- 96-bit nonce per secret (secret_enc = nonce || ciphertext || tag), the user id as associated
-- data (a row copied onto another user does not decrypt). last_step is the last accepted time
-- step: a code of that step or an earlier one is refused (replay).
CREATE TABLE totp_credentials (
  user_id      uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret_enc   bytea NOT NULL,
  confirmed    boolean NOT NULL DEFAULT false,
  last_step    bigint NOT NULL DEFAULT -1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  confirmed_at timestamptz
);

-- Ten one-time recovery codes per confirmed TOTP, as SHA-256(user id || code): 60 random bits each.
CREATE TABLE totp_recovery_codes (
  user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash  bytea NOT NULL,
  used_at    timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

-- The short-lived challenges between the password and the second step of a login ('login'), or
-- the only thing a user required to use a second factor but without one may do ('enroll').
-- Stored as the SHA-256 of the token; a few failed codes end one.
CREATE TABLE mfa_challenges (
  token_hash  bytea PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose     text NOT NULL CHECK (purpose IN ('login', 'enroll')),
  attempts    integer NOT NULL DEFAULT 0,
  expires_at  timestamptz NOT NULL
);
CREATE INDEX mfa_challenges_expiry ON mfa_challenges (expires_at);

-- How the login of a session was authenticated (the access tokens' amr), kept across refreshes.
ALTER TABLE refresh_tokens ADD COLUMN amr text[];
