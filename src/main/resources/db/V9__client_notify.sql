-- Every change to a client (insert, update, delete) notifies the channel jwt_auth_clients with its
-- client_id, after commit, so every process can drop its cached copy (see clients/ClientCache).
CREATE FUNCTION notify_client_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('jwt_auth_clients', COALESCE(NEW.client_id, OLD.client_id));
  RETURN NULL;
END;
$$;
CREATE TRIGGER clients_changed AFTER INSERT OR UPDATE OR DELETE ON clients
  FOR EACH ROW EXECUTE FUNCTION notify_client_change();
