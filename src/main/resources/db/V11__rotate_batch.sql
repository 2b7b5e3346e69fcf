-- Refresh-token rotation for a batch of presentations in one call: one round trip, one commit and
-- one WAL flush for all of them (issue 11 item 2). The server gathers the presentations that arrive
-- while the previous batch is at the database. Each token is looked up and consumed by its own
-- statement on the unique index, with plans cached for the session, so the plan never depends on
-- how many tokens come together or on how big the table was when the plan was made. The families
-- are locked first, in family order (as a revocation of all a user's sessions takes them): a
-- revocation either sees a successor inserted here or makes this consume nothing. Each statement
-- takes a fresh snapshot, so it sees a revocation committed while it waited for a lock.
-- Answers a row per presentation consumed (n: its position, from 1), none for the others, which
-- the server decides one by one.
CREATE FUNCTION rotate_refresh_tokens(p_hash bytea[], p_next uuid[], p_next_hash bytea[], p_jkt text[],
                                      p_client text[], p_now timestamptz, p_expires timestamptz)
RETURNS TABLE (n integer, family_id uuid, user_id uuid, client_id text, amr text[], dpop_jkt text, scopes text[],
               username text, roles text[])
LANGUAGE plpgsql AS $$
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
          AND rt.expires_at > p_now AND NOT u.disabled
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
REVOKE EXECUTE ON FUNCTION rotate_refresh_tokens(bytea[], uuid[], bytea[], text[], text[], timestamptz, timestamptz)
  FROM PUBLIC;
