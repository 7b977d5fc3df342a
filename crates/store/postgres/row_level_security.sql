-- PostgreSQL only: applied after every migration run, and again whenever a reader is
-- granted. Idempotent, and it takes no lock on a table already set up.
--
-- Every table with a council_id column, and councils itself, gets row-level security with
-- one policy: a role named in council_database_roles (a council's analysts, their
-- reporting tools) reads its own council's rows and nothing else. Such roles are granted
-- SELECT on those tables only, never users (password hashes), sessions or views (a view
-- runs with its owner's rights), and no writes at all.
--
-- The service's own role owns the tables, and owners are not subject to row-level
-- security unless it is forced: the service keeps councils apart by construction (every
-- query names the council; every record is checked against the user's council).
CREATE OR REPLACE FUNCTION selfdirect_apply_council_security() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    t text;
    r text;
    reader text := '(SELECT r.council_id FROM council_database_roles r WHERE r.role_name = current_user)';
BEGIN
    FOR t, r IN
        SELECT c.table_name::text, CASE WHEN c.table_name = 'councils' THEN 'id' ELSE 'council_id' END
        FROM information_schema.columns c
        JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND tb.table_type = 'BASE TABLE'
              AND ((c.column_name = 'council_id' AND c.table_name <> 'council_database_roles') OR (c.table_name = 'councils' AND c.column_name = 'id'))
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = format('%I', t)::regclass AND relrowsecurity) THEN
            EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = current_schema() AND tablename = t AND policyname = 'one_council') THEN
            EXECUTE format('CREATE POLICY one_council ON %I FOR SELECT USING (%I = %s)', t, r, reader);
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = 'council_database_roles'::regclass AND relrowsecurity) THEN
        ALTER TABLE council_database_roles ENABLE ROW LEVEL SECURITY;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = current_schema() AND tablename = 'council_database_roles' AND policyname = 'own_grant') THEN
        CREATE POLICY own_grant ON council_database_roles FOR SELECT USING (role_name = current_user);
    END IF;
    -- Readers may read every council table that exists now (new tables come with migrations).
    FOR r IN SELECT role_name FROM council_database_roles WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), r);
        EXECUTE format('GRANT SELECT ON council_database_roles TO %I', r);
        FOR t IN
            SELECT tablename::text FROM pg_policies WHERE schemaname = current_schema() AND policyname = 'one_council' AND tablename NOT IN ('users', 'sessions')
        LOOP
            EXECUTE format('GRANT SELECT ON %I TO %I', t, r);
        END LOOP;
    END LOOP;
END
$$;
SELECT selfdirect_apply_council_security();
