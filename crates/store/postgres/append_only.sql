-- PostgreSQL: applied after every migration run (idempotent). The access log and the
-- ledger only grow: corrections are new entries, never edits. The database itself refuses
-- an UPDATE, DELETE or TRUNCATE, whoever sends it (a superuser can still drop the trigger:
-- that is a schema change, and shows in the database's own log).
CREATE OR REPLACE FUNCTION selfdirect_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: rows may be added, never changed or removed', TG_TABLE_NAME;
END
$$;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['access_log', 'ledger_entries', 'ledger_postings'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = t::regclass AND tgname = t || '_append_only') THEN
            EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION selfdirect_append_only()', t || '_append_only', t);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = t::regclass AND tgname = t || '_no_truncate') THEN
            EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION selfdirect_append_only()', t || '_no_truncate', t);
        END IF;
    END LOOP;
END
$$;
