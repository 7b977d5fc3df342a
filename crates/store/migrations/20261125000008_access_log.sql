-- Failed sign-ins, to slow down password guessing: a few tries, then a pause.
CREATE TABLE sign_in_failures (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_by_email ON sign_in_failures (email, failed_at);

-- Who read or changed a person's record, when, and what for. Append-only: the service
-- has no way to change or delete a row. The auditor and the person can read it.
CREATE TABLE access_log (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    user_name TEXT NOT NULL,
    user_role TEXT NOT NULL,
    action TEXT NOT NULL,
    what TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX access_log_by_person ON access_log (person_id, at);
