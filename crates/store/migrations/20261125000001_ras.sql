-- The RAS over time: every indicative budget a person has been given, and why
-- (first assessment, recalculation after new rules, reconsideration), and requests
-- to reconsider a budget.

CREATE TABLE allocations (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    questionnaire_id TEXT NOT NULL,
    questionnaire_version BIGINT NOT NULL,
    reason TEXT NOT NULL,
    total_pence BIGINT NOT NULL CHECK (total_pence >= 0),
    allocation TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX allocations_by_assessment ON allocations (assessment_id, created_at);
CREATE INDEX allocations_by_council ON allocations (council_id, person_id);

-- Every assessment already made has its first allocation.
INSERT INTO allocations (id, council_id, person_id, assessment_id, questionnaire_id, questionnaire_version, reason, total_pence, allocation, created_at)
SELECT id, council_id, person_id, id, questionnaire_id, questionnaire_version, 'assessment', indicative_budget_pence, allocation, created_at FROM assessments;

CREATE TABLE reconsiderations (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    allocation_id TEXT NOT NULL REFERENCES allocations (id),
    requested_on TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    grounds TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_on TEXT,
    decided_by TEXT,
    decision_notes TEXT,
    revised_total_pence BIGINT,
    created_at TEXT NOT NULL
);
CREATE INDEX reconsiderations_by_person ON reconsiderations (person_id, requested_on);

ALTER TABLE plans ADD COLUMN approval_note TEXT;
