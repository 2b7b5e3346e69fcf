-- Clients: secrets are SHA-256 of a server-made 256-bit secret (see ClientRepository); a client can be
-- disabled, deleted and have its secret rotated. Revocations gain kind 'client' (every token issued to
-- a client before a moment: created_at) and 'sub' (every token of a subject before a moment).
COMMENT ON COLUMN clients.secret_hash IS 'sha256$<base64> of the server-generated secret';
ALTER TABLE clients ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE revocations DROP CONSTRAINT revocations_kind_check;
ALTER TABLE revocations ADD CONSTRAINT revocations_kind_check CHECK (kind IN ('jti', 'sid', 'client', 'sub'));
-- The admin role is never a client's: strip it from clients registered before that rule.
UPDATE clients SET roles = array_remove(roles, 'admin') WHERE 'admin' = ANY (roles);

-- Server-side secrets. 'refresh-successor' keys the HMAC that derives a refresh token's successor from
-- it, so every retry within REFRESH_GRACE gets the same successor (no second branch of the family).
CREATE TABLE server_secrets (
  name   text PRIMARY KEY,
  value  bytea NOT NULL
);
INSERT INTO server_secrets (name, value) VALUES ('refresh-successor',
  decode(replace(gen_random_uuid()::text || gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
