-- Moving to another council (Care Act 2014, sections 37 and 38: continuity of care).
-- Each council holds its own side of a move: the sending council an 'out' row for the
-- account that ended, the receiving council an 'in' row for the account that carries the
-- plan on. Neither row names the other council's records, only the council.
CREATE TABLE transfers (
    id TEXT NOT NULL,
    council_id TEXT NOT NULL REFERENCES councils (id),
    direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    person_id TEXT NOT NULL,
    budget_account_id TEXT NOT NULL,
    other_council_id TEXT NOT NULL REFERENCES councils (id) CHECK (other_council_id <> council_id),
    moves_on TEXT NOT NULL,
    carried_from TEXT NOT NULL CHECK (carried_from >= moves_on),
    recorded_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT transfers_key PRIMARY KEY (id, council_id),
    -- An account leaves, or arrives, once.
    CONSTRAINT transfers_once UNIQUE (budget_account_id, council_id, direction),
    CONSTRAINT transfers_person_fkey FOREIGN KEY (person_id, council_id) REFERENCES people (id, council_id),
    CONSTRAINT transfers_account_fkey FOREIGN KEY (budget_account_id, council_id) REFERENCES budget_accounts (id, council_id)
);
CREATE INDEX transfers_by_person ON transfers (person_id, council_id);

-- An assessment the receiving council was given by the sending one (tell us once). It is
-- not the receiving council's own: the person still awaits that.
ALTER TABLE assessments ADD COLUMN carried_from_council_id TEXT REFERENCES councils (id);
