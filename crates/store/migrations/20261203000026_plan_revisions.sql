-- Plan revisions: an approved plan changes from a date. A line is in force from
-- in_force_from to in_force_to (NULL: the plan's own start or end); a revision closes the
-- lines it changes on the day before and adds their replacements from its date, so every
-- version stays readable and each day is paid at the version in force that day.
ALTER TABLE plan_lines ADD COLUMN in_force_from TEXT;
ALTER TABLE plan_lines ADD COLUMN in_force_to TEXT;

CREATE TABLE plan_revisions (
    id TEXT NOT NULL,
    council_id TEXT NOT NULL REFERENCES councils (id),
    plan_id TEXT NOT NULL,
    number BIGINT NOT NULL,
    effective_from TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- 'submitted' (waiting for a team manager), 'approved' (in force) or 'returned'.
    status TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'returned')),
    -- The lines in force from effective_from, as the revision asked for them (JSON).
    lines TEXT NOT NULL,
    annual_cost_before_pence BIGINT NOT NULL,
    annual_cost_after_pence BIGINT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_note TEXT,
    CONSTRAINT plan_revisions_key PRIMARY KEY (id, council_id),
    CONSTRAINT plan_revisions_number_unique UNIQUE (plan_id, number, council_id),
    CONSTRAINT plan_revisions_plan_fkey FOREIGN KEY (plan_id, council_id) REFERENCES plans (id, council_id)
);
-- At most one revision of a plan waits for a decision at a time.
CREATE UNIQUE INDEX plan_revisions_one_waiting ON plan_revisions (plan_id, council_id) WHERE status = 'submitted';
