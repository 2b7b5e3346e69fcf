-- One pending password reset per user (POST /admin/users/{username}/password-reset): the token is
-- random (256 bits), shown once to the admin, stored here only as its SHA-256, used once.
CREATE TABLE password_resets (
  user_id     uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  token_hash  bytea NOT NULL UNIQUE,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
