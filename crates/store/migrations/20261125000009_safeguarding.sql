-- Personal assistants' DBS checks, and safeguarding concerns about a person.
ALTER TABLE personal_assistants ADD COLUMN dbs_status TEXT NOT NULL DEFAULT 'not_checked';
ALTER TABLE personal_assistants ADD COLUMN dbs_certificate TEXT;
ALTER TABLE personal_assistants ADD COLUMN dbs_checked_on TEXT;
ALTER TABLE personal_assistants ADD COLUMN dbs_recheck_by TEXT;

CREATE TABLE safeguarding_concerns (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    raised_by TEXT NOT NULL,
    raised_on TEXT NOT NULL,
    concern TEXT NOT NULL,
    status TEXT NOT NULL,
    closed_by TEXT,
    outcome TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX safeguarding_concerns_by_person ON safeguarding_concerns (person_id, status);
CREATE INDEX safeguarding_concerns_by_council ON safeguarding_concerns (council_id, status);
