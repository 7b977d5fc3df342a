-- Social workers work a caseload with their team: a person is allocated to a team, and
-- perhaps to a named worker in it. A social worker sees the people allocated to them or
-- to their team, and people not yet allocated (the duty queue); a team manager sees all.
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (council_id, name)
);
ALTER TABLE users ADD COLUMN team_id TEXT REFERENCES teams (id);
ALTER TABLE people ADD COLUMN allocated_team_id TEXT REFERENCES teams (id);
ALTER TABLE people ADD COLUMN allocated_worker_id TEXT REFERENCES users (id);
