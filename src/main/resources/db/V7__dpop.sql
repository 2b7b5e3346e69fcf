-- DPoP (RFC 9449 §5): a refresh token issued with a proof is bound to that proof's key, by its
-- RFC 7638 thumbprint; every successor in the family inherits it, and a refresh needs a proof by
-- the same key. NULL: a bearer refresh token, as before.
ALTER TABLE refresh_tokens ADD COLUMN IF NOT EXISTS dpop_jkt text;
