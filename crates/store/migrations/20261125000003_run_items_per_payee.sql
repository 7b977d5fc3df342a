-- A budget can pay two individual-service-fund providers from one stream, so a run item
-- is keyed by its payee as well as its stream. The stream column now holds the stream
-- code alone; payee_kind says whether the budget holder or a provider is paid.
CREATE TABLE payment_run_items_by_payee (
    run_id TEXT NOT NULL REFERENCES payment_runs (id),
    council_id TEXT NOT NULL REFERENCES councils (id),
    budget_account_id TEXT NOT NULL REFERENCES budget_accounts (id),
    stream TEXT NOT NULL,
    payee_kind TEXT NOT NULL,
    payee_name TEXT NOT NULL,
    sort_code TEXT NOT NULL,
    account_number TEXT NOT NULL,
    gross_pence BIGINT NOT NULL,
    contribution_pence BIGINT NOT NULL,
    net_pence BIGINT NOT NULL,
    entry_id TEXT NOT NULL REFERENCES ledger_entries (id),
    PRIMARY KEY (run_id, budget_account_id, stream, payee_kind, payee_name)
);
INSERT INTO payment_run_items_by_payee
    SELECT run_id, council_id, budget_account_id,
           CASE WHEN stream LIKE '%:holder' THEN SUBSTR(stream, 1, LENGTH(stream) - 7) ELSE SUBSTR(stream, 1, LENGTH(stream) - 9) END,
           CASE WHEN stream LIKE '%:holder' THEN 'budget_holder' ELSE 'provider' END,
           payee_name, sort_code, account_number, gross_pence, contribution_pence, net_pence, entry_id
    FROM payment_run_items;
DROP TABLE payment_run_items;
ALTER TABLE payment_run_items_by_payee RENAME TO payment_run_items;
