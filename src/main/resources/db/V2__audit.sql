-- Audit trail of security events, queried by admins through GET /admin/audit.
CREATE TABLE audit_events (
  id         bigserial PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  event      text NOT NULL,
  user_id    uuid,
  username   text,
  client_id  text,
  address    text,
  details    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at_idx ON audit_events (at DESC);
CREATE INDEX audit_events_username_idx ON audit_events (username, at DESC);
CREATE INDEX audit_events_event_idx ON audit_events (event, at DESC);
