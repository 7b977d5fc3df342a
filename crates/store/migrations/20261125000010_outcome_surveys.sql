-- Outcome survey responses, asked at review: per budget account, by the budget holder or
-- their carer, with the survey version and the scores per outcome domain (JSON).
CREATE TABLE survey_responses (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    budget_account_id TEXT NOT NULL REFERENCES budget_accounts (id),
    survey_id TEXT NOT NULL,
    survey_version BIGINT NOT NULL,
    respondent TEXT NOT NULL,
    answers TEXT NOT NULL,
    scores TEXT NOT NULL,
    completed_on TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX survey_responses_by_council ON survey_responses (council_id, completed_on);
