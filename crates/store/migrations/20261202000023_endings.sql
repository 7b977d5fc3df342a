-- Endings: support ends on a day, for a reason, decided by someone. The account's live
-- days end then (end_date becomes the ending day; the planned end is kept), so payment
-- runs pay the final period pro rata and nothing after it.
ALTER TABLE budget_accounts ADD COLUMN planned_end_date TEXT;
ALTER TABLE budget_accounts ADD COLUMN ended_on TEXT;
ALTER TABLE budget_accounts ADD COLUMN end_reason TEXT;
ALTER TABLE budget_accounts ADD COLUMN ended_by TEXT;
ALTER TABLE budget_accounts ADD COLUMN overpaid_days TEXT;

-- Unspent direct-payment money to take back after an ending: a written notice, and 28
-- days for the person to reply, before anything is posted (unless they agree sooner).
CREATE TABLE recovery_notices (
    id TEXT NOT NULL,
    council_id TEXT NOT NULL REFERENCES councils (id),
    budget_account_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    amount_pence BIGINT NOT NULL CHECK (amount_pence > 0),
    noticed_on TEXT NOT NULL,
    reply_by TEXT NOT NULL,
    recovered_on TEXT,
    recovered_by TEXT,
    agreed_early INTEGER NOT NULL DEFAULT 0,
    entry_id TEXT,
    CONSTRAINT recovery_notices_key PRIMARY KEY (id, council_id),
    CONSTRAINT recovery_notices_account_fkey FOREIGN KEY (budget_account_id, council_id) REFERENCES budget_accounts (id, council_id)
);
CREATE INDEX recovery_notices_by_account ON recovery_notices (budget_account_id, council_id);
