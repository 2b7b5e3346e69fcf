-- rotate_refresh_tokens looks each token up by its unique hash and joins users by primary key: keyed
-- lookups only. PL/pgSQL caches a plan per statement and session, and a plan made while
-- refresh_tokens is small (a new database, the first minute before autovacuum's first ANALYZE)
-- scans the table: the cheapest plan for one page. Kept as the table grows, that plan made each
-- rotation read the whole table (a fresh database, 32 rotation chains: PostgreSQL's CPU per
-- rotation rose from 0.1 to 1.6 ms within 15 s, and rotations/s fell by half). Without
-- sequential scans inside the function, every plan uses the indexes, whatever the table's size
-- when it was made.
ALTER FUNCTION rotate_refresh_tokens(bytea[], uuid[], bytea[], text[], text[], timestamptz, timestamptz)
  SET enable_seqscan = off;
