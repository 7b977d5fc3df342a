-- Money: contributions, bank details, payment runs, provider invoices, direct-payment
-- returns, and personal assistants employed by budget holders.

-- Direct-payment returns say what money was spent on and keep a receipt reference.
-- Payment-run entries carry an idempotency key so a re-run never pays twice.
ALTER TABLE ledger_entries ADD COLUMN purpose TEXT;
ALTER TABLE ledger_entries ADD COLUMN receipt_reference TEXT;
ALTER TABLE ledger_entries ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX ledger_entries_by_idempotency_key ON ledger_entries (idempotency_key);

-- The weekly client contribution from the latest financial assessment, and whether
-- payments are suspended (misuse under investigation, or the person in hospital).
ALTER TABLE budget_accounts ADD COLUMN weekly_contribution_pence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE budget_accounts ADD COLUMN suspended_from TEXT;
ALTER TABLE budget_accounts ADD COLUMN suspension_reason TEXT;

CREATE TABLE financial_assessments (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    budget_account_id TEXT NOT NULL REFERENCES budget_accounts (id),
    assessed_on TEXT NOT NULL,
    capital_pence BIGINT NOT NULL CHECK (capital_pence >= 0),
    weekly_income_pence BIGINT NOT NULL CHECK (weekly_income_pence >= 0),
    weekly_disability_expenses_pence BIGINT NOT NULL CHECK (weekly_disability_expenses_pence >= 0),
    weekly_contribution_pence BIGINT NOT NULL CHECK (weekly_contribution_pence >= 0),
    explanation TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX financial_assessments_by_account ON financial_assessments (budget_account_id, assessed_on);

-- Where a direct payment is paid: the budget holder's separate account.
CREATE TABLE bank_details (
    budget_account_id TEXT PRIMARY KEY REFERENCES budget_accounts (id),
    council_id TEXT NOT NULL REFERENCES councils (id),
    account_name TEXT NOT NULL,
    sort_code TEXT NOT NULL,
    account_number TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Providers paid by the council (managed budgets) or holding an ISF.
CREATE TABLE providers (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    name TEXT NOT NULL,
    sort_code TEXT NOT NULL,
    account_number TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (council_id, name)
);

CREATE TABLE payment_runs (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    pay_date TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    completed_at TEXT,
    UNIQUE (council_id, period_start)
);

CREATE TABLE payment_run_items (
    run_id TEXT NOT NULL REFERENCES payment_runs (id),
    council_id TEXT NOT NULL REFERENCES councils (id),
    budget_account_id TEXT NOT NULL REFERENCES budget_accounts (id),
    stream TEXT NOT NULL,
    payee_name TEXT NOT NULL,
    sort_code TEXT NOT NULL,
    account_number TEXT NOT NULL,
    gross_pence BIGINT NOT NULL,
    contribution_pence BIGINT NOT NULL,
    net_pence BIGINT NOT NULL,
    entry_id TEXT NOT NULL REFERENCES ledger_entries (id),
    PRIMARY KEY (run_id, budget_account_id, stream)
);

CREATE TABLE invoices (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    provider_name TEXT NOT NULL,
    invoice_ref TEXT NOT NULL,
    budget_account_id TEXT,
    plan_line_id TEXT,
    category TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    units TEXT NOT NULL,
    unit_rate_pence BIGINT NOT NULL,
    amount_pence BIGINT NOT NULL,
    status TEXT NOT NULL,
    reason_code TEXT,
    message TEXT,
    entry_id TEXT REFERENCES ledger_entries (id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX invoices_accepted_once ON invoices (council_id, provider_name, invoice_ref) WHERE status = 'accepted';
CREATE INDEX invoices_by_council_status ON invoices (council_id, status, created_at);

CREATE TABLE personal_assistants (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    budget_account_id TEXT NOT NULL REFERENCES budget_accounts (id),
    name TEXT NOT NULL,
    hourly_rate_pence BIGINT NOT NULL CHECK (hourly_rate_pence > 0),
    contracted_hours TEXT NOT NULL,
    start_date TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE timesheets (
    personal_assistant_id TEXT NOT NULL REFERENCES personal_assistants (id),
    council_id TEXT NOT NULL REFERENCES councils (id),
    week_start TEXT NOT NULL,
    hours_worked TEXT NOT NULL,
    holiday_hours TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (personal_assistant_id, week_start)
);

-- The council's own bank account, which payment files are paid from.
ALTER TABLE councils ADD COLUMN bank_account_name TEXT;
ALTER TABLE councils ADD COLUMN bank_sort_code TEXT;
ALTER TABLE councils ADD COLUMN bank_account_number TEXT;
ALTER TABLE councils ADD COLUMN bacs_service_user_number TEXT;
