-- rotate_refresh_tokens only looks rows up by key: a token by its unique hash, its user by primary
-- key. PL/pgSQL keeps a plan per statement and session, and PostgreSQL made those plans from the
-- statistics of the moment: while refresh_tokens is small (a new database, after autovacuum's first
-- ANALYZE) every path costs about the same, and the plan kept could scan the whole table or walk
-- the expiry index over every live token; it stayed so as the table grew, until the next ANALYZE
-- (autovacuum looks once a minute). A fresh database, 32 rotation chains: PostgreSQL's CPU per
-- rotation rose from 0.15 to 0.8 ms within 6 s. Now the unique hash is the only way in:
--   * no sequential scan inside the function (enable_seqscan = off, for its calls only);
--   * the expiry test is written on the time left (expires_at - p_now > 0), which the expiry index
--     cannot serve, so the consume's plan cannot walk it. Same rows as "expires_at > p_now".
-- Same arguments, same answers, same owner and rights as V11 (CREATE OR REPLACE keeps them).
CREATE OR REPLACE FUNCTION rotate_refresh_tokens(p_hash bytea[], p_next uuid[], p_next_hash bytea[], p_jkt text[],
                                      p_client text[], p_now timestamptz, p_expires timestamptz)
RETURNS TABLE (n integer, family_id uuid, user_id uuid, client_id text, amr text[], dpop_jkt text, scopes text[],
               username text, roles text[])
LANGUAGE plpgsql SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
  families uuid[] := '{}';
  fam uuid;
BEGIN
  FOR i IN 1 .. coalesce(array_length(p_hash, 1), 0) LOOP
    SELECT rt.family_id INTO fam FROM refresh_tokens rt WHERE rt.token_hash = p_hash[i];
    IF FOUND THEN
      families := families || fam;
    END IF;
  END LOOP;
  PERFORM pg_advisory_xact_lock(hashtextextended(f::text, 7)) FROM (SELECT DISTINCT f FROM unnest(families) f ORDER BY f) s;
  FOR i IN 1 .. coalesce(array_length(p_hash, 1), 0) LOOP
    RETURN QUERY
      WITH consumed AS (
        UPDATE refresh_tokens rt SET used_at = p_now, replaced_by = p_next[i] FROM users u
        WHERE rt.token_hash = p_hash[i] AND u.id = rt.user_id AND rt.used_at IS NULL AND rt.revoked_at IS NULL
          AND rt.expires_at - p_now > interval '0' AND NOT u.disabled
          AND (rt.dpop_jkt IS NULL OR rt.dpop_jkt = p_jkt[i]) AND (rt.client_id IS NULL OR rt.client_id = p_client[i])
        RETURNING rt.family_id, rt.user_id, rt.client_id, rt.amr, rt.dpop_jkt, rt.scopes, u.username, u.roles),
      inserted AS (
        INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, client_id, expires_at, amr, dpop_jkt, scopes)
        SELECT p_next[i], c.family_id, c.user_id, p_next_hash[i], c.client_id, p_expires, c.amr, c.dpop_jkt, c.scopes
        FROM consumed c)
      SELECT i, c.family_id, c.user_id, c.client_id, c.amr, c.dpop_jkt, c.scopes, c.username, c.roles FROM consumed c;
  END LOOP;
END
$$;
