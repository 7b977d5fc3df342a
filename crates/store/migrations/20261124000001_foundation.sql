-- The whole chain, one council per tenant. Written in the SQL common to SQLite and
-- PostgreSQL so one set of migrations serves both:
--   ids are UUIDv7 text (made by the application; sortable by creation time);
--   money is BIGINT pence; dates are ISO 'YYYY-MM-DD' text and timestamps RFC 3339 UTC text
--   (both sort correctly as text); flags are BIGINT 0/1; structured answers are JSON text.
-- Every table carries council_id so that rows can later be distributed by council.

CREATE TABLE councils (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE questionnaires (
    council_id TEXT NOT NULL REFERENCES councils (id),
    questionnaire_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    definition TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (council_id, questionnaire_id, version)
);

CREATE TABLE people (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    address TEXT NOT NULL,
    postcode TEXT NOT NULL,
    client_group TEXT NOT NULL,
    long_term_support BIGINT NOT NULL CHECK (long_term_support IN (0, 1)),
    created_at TEXT NOT NULL
);
CREATE INDEX people_by_council ON people (council_id, family_name, given_name);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    role TEXT NOT NULL,
    name TEXT NOT NULL,
    relationship TEXT NOT NULL,
    phone TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX contacts_by_person ON contacts (person_id);

CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    questionnaire_id TEXT NOT NULL,
    questionnaire_version BIGINT NOT NULL,
    completed_on TEXT NOT NULL,
    assessor TEXT NOT NULL,
    answers TEXT NOT NULL,
    scores TEXT NOT NULL,
    total_points BIGINT NOT NULL,
    indicative_budget_pence BIGINT NOT NULL CHECK (indicative_budget_pence >= 0),
    allocation TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX assessments_by_person ON assessments (person_id, completed_on);

CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    assessment_id TEXT NOT NULL REFERENCES assessments (id),
    status TEXT NOT NULL,
    outcomes TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    over_budget_reason TEXT,
    indicative_budget_pence BIGINT NOT NULL,
    total_pence BIGINT NOT NULL,
    final_budget_pence BIGINT,
    submitted_at TEXT,
    decided_at TEXT,
    decided_by TEXT,
    return_reasons TEXT,
    version BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (start_date <= end_date)
);
CREATE INDEX plans_by_person ON plans (person_id, created_at);
CREATE INDEX plans_by_council_status ON plans (council_id, status);

CREATE TABLE plan_lines (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    plan_id TEXT NOT NULL REFERENCES plans (id),
    position BIGINT NOT NULL,
    description TEXT NOT NULL,
    provider TEXT NOT NULL,
    category TEXT NOT NULL,
    frequency TEXT NOT NULL,
    units_per_period TEXT NOT NULL,
    unit_cost_pence BIGINT NOT NULL CHECK (unit_cost_pence >= 0),
    annual_cost_pence BIGINT NOT NULL CHECK (annual_cost_pence >= 0),
    stream TEXT NOT NULL,
    deployment TEXT,
    UNIQUE (plan_id, position)
);

CREATE TABLE budget_accounts (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    plan_id TEXT NOT NULL UNIQUE REFERENCES plans (id),
    deployment TEXT NOT NULL,
    includes_direct_payment BIGINT NOT NULL CHECK (includes_direct_payment IN (0, 1)),
    final_budget_pence BIGINT NOT NULL,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    next_review_due TEXT NOT NULL,
    -- Bumped by every money movement: the first write of the transaction, so concurrent
    -- payments against one account queue up on this row on both databases.
    lock_version BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX budget_accounts_by_person ON budget_accounts (person_id);
CREATE INDEX budget_accounts_review_due ON budget_accounts (council_id, next_review_due);

CREATE TABLE ledger_entries (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    budget_account_id TEXT NOT NULL REFERENCES budget_accounts (id),
    kind TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    description TEXT NOT NULL,
    payee_name TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX ledger_entries_by_account ON ledger_entries (budget_account_id, occurred_on);

CREATE TABLE ledger_postings (
    entry_id TEXT NOT NULL REFERENCES ledger_entries (id),
    line_no BIGINT NOT NULL,
    council_id TEXT NOT NULL REFERENCES councils (id),
    budget_account_id TEXT NOT NULL REFERENCES budget_accounts (id),
    account TEXT NOT NULL,
    stream TEXT NOT NULL,
    plan_line_id TEXT REFERENCES plan_lines (id),
    amount_pence BIGINT NOT NULL CHECK (amount_pence <> 0),
    PRIMARY KEY (entry_id, line_no)
);
CREATE INDEX ledger_postings_by_account ON ledger_postings (budget_account_id, account, stream);

CREATE TABLE reviews (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    budget_account_id TEXT NOT NULL REFERENCES budget_accounts (id),
    due_on TEXT NOT NULL,
    completed_on TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    notes TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX reviews_by_person ON reviews (person_id, completed_on);
