-- A suspension that has ended (a stay in hospital, then home again): its days stay
-- unpaid, so the first run after the resumption does not pay for the days away, and no
-- claim may either.
CREATE TABLE past_suspensions (
    id TEXT NOT NULL,
    council_id TEXT NOT NULL REFERENCES councils (id),
    budget_account_id TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    reason TEXT,
    CONSTRAINT past_suspensions_key PRIMARY KEY (id, council_id),
    CONSTRAINT past_suspensions_account_fkey FOREIGN KEY (budget_account_id, council_id) REFERENCES budget_accounts (id, council_id),
    CHECK (first_day <= last_day)
);
CREATE INDEX past_suspensions_by_account ON past_suspensions (budget_account_id, council_id);
