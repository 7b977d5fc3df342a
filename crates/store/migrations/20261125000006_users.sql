-- Sign-in: users of every role, and their sessions. Passwords are kept only as argon2
-- hashes; a session cookie's token only as its SHA-256, so a copy of the database
-- cannot be used to sign in as anyone.
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    person_id TEXT REFERENCES people (id),
    provider_name TEXT,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX users_by_council ON users (council_id, role);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
