-- Every version of a budget account's bank details, with who entered it and who confirmed
-- it. A change is paid only once confirmed by a second person (a finance officer who did
-- not enter it); until then the run pays the details confirmed before. The database
-- refuses a confirmation by the person who entered the change.
CREATE TABLE bank_detail_changes (
    id TEXT NOT NULL,
    council_id TEXT NOT NULL REFERENCES councils (id),
    budget_account_id TEXT NOT NULL,
    account_name TEXT NOT NULL,
    sort_code TEXT NOT NULL,
    account_number TEXT NOT NULL,
    entered_by_user_id TEXT,
    entered_by TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    confirmed_by_user_id TEXT,
    confirmed_by TEXT,
    confirmed_at TEXT,
    CONSTRAINT bank_detail_changes_key PRIMARY KEY (id, council_id),
    CONSTRAINT bank_detail_changes_account_fkey FOREIGN KEY (budget_account_id, council_id) REFERENCES budget_accounts (id, council_id),
    CONSTRAINT bank_detail_changes_second_person CHECK (confirmed_by_user_id IS NULL OR entered_by_user_id IS NULL OR confirmed_by_user_id <> entered_by_user_id)
);
CREATE INDEX bank_detail_changes_by_account ON bank_detail_changes (budget_account_id, council_id);

-- Details recorded before versions were kept become each account's first, confirmed version.
INSERT INTO bank_detail_changes (id, council_id, budget_account_id, account_name, sort_code, account_number, entered_by_user_id, entered_by, entered_at, confirmed_by_user_id, confirmed_by, confirmed_at)
SELECT 'before-' || budget_account_id, council_id, budget_account_id, account_name, sort_code, account_number, NULL, 'recorded before versions were kept', updated_at, NULL, 'recorded before versions were kept', updated_at
FROM bank_details;
