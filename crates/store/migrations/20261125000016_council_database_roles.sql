-- Database roles that may read one council's rows directly (a council's analysts and their
-- reporting tools). On PostgreSQL, row-level security limits each such role to its council
-- (see row_level_security.sql, applied after the migrations); SQLite has no roles, so there
-- the table stays empty.
CREATE TABLE council_database_roles (
    role_name TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    granted_at TEXT NOT NULL
);
CREATE INDEX council_database_roles_by_council ON council_database_roles (council_id);
