-- Step 7 at national scale (1.5 million people, 100 million postings).
--
-- Each posting carries its entry's date, so a council's spending in a period is one index
-- range instead of a join over every entry it ever made.
ALTER TABLE ledger_postings ADD COLUMN occurred_on TEXT;
UPDATE ledger_postings SET occurred_on = (SELECT e.occurred_on FROM ledger_entries e WHERE e.id = ledger_postings.entry_id);
CREATE INDEX ledger_postings_by_council_date ON ledger_postings (council_id, account, occurred_on);

-- Spending per council, month, kind of support, provider, area and how the money was held.
-- The transaction that posts money to 'spent' adds to it (store: rollup.rs), so dashboards
-- read a few thousand rows however long the ledger grows. It can always be rebuilt from
-- the ledger; a test checks the two agree.
--   category: the plan line's category, '' for spending not tied to a line
--   provider_key: lower(trim(provider)); '' for personal assistants, who are private people
--   area: the postcode district (outward code) of the person
--   mechanism: how the line's money is held (direct_payment, council_managed, …)
CREATE TABLE spending_monthly (
    council_id TEXT NOT NULL REFERENCES councils (id),
    month TEXT NOT NULL,
    category TEXT NOT NULL,
    provider_key TEXT NOT NULL,
    area TEXT NOT NULL,
    mechanism TEXT NOT NULL,
    spent_pence BIGINT NOT NULL,
    postings BIGINT NOT NULL,
    PRIMARY KEY (council_id, month, category, provider_key, area, mechanism)
);

-- One row per posting to 'spent', with the keys the rollup groups by. Both the backfill
-- below and the store's incremental upkeep read it, so the rules live here once.
CREATE VIEW spending_facts AS
SELECT p.entry_id, p.council_id, substr(p.occurred_on, 1, 7) AS month,
       COALESCE(l.category, '') AS category,
       CASE WHEN l.category = 'personal_assistant' THEN '' ELSE lower(trim(COALESCE(l.provider, e.payee_name, ''))) END AS provider_key,
       trim(substr(pe.postcode, 1, length(pe.postcode) - 3)) AS area,
       COALESCE(l.deployment, a.deployment) AS mechanism,
       p.amount_pence
FROM ledger_postings p
JOIN ledger_entries e ON e.id = p.entry_id
JOIN budget_accounts a ON a.id = p.budget_account_id
JOIN people pe ON pe.id = a.person_id
LEFT JOIN plan_lines l ON l.id = p.plan_line_id
WHERE p.account = 'spent';

INSERT INTO spending_monthly (council_id, month, category, provider_key, area, mechanism, spent_pence, postings)
SELECT council_id, month, category, provider_key, area, mechanism, SUM(amount_pence), COUNT(*)
FROM spending_facts GROUP BY council_id, month, category, provider_key, area, mechanism;

-- Block contracts: what the council pays a provider whatever people choose (a day centre's
-- places, say). With spending from personal budgets they give each provider's income, and
-- how much of it now depends on people choosing them.
CREATE TABLE block_contracts (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    provider_name TEXT NOT NULL,
    provider_key TEXT NOT NULL,
    category TEXT NOT NULL,
    annual_value_pence BIGINT NOT NULL CHECK (annual_value_pence > 0),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (start_date <= end_date)
);
CREATE INDEX block_contracts_by_council ON block_contracts (council_id, provider_key);
