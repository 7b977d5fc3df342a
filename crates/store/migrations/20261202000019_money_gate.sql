-- The money gate's record of entitlement: the days of each budget account already paid,
-- per funding stream and payee ('budget_holder', 'provider:<name key>', 'contribution').
-- Each day is paid once: the service checks it before posting (AccountBook::admit), and
-- triggers added after the migrations (sqlite/money_gate.sql, postgres/money_gate.sql)
-- refuse overlapping days, and a second budget account live on the same day for a person,
-- whoever writes the row.
CREATE TABLE paid_days (
    council_id TEXT NOT NULL REFERENCES councils (id),
    budget_account_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    payee TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    CONSTRAINT paid_days_key PRIMARY KEY (budget_account_id, council_id, stream, payee, first_day),
    CONSTRAINT paid_days_in_order CHECK (first_day <= last_day),
    CONSTRAINT paid_days_account_fkey FOREIGN KEY (budget_account_id, council_id) REFERENCES budget_accounts (id, council_id),
    CONSTRAINT paid_days_entry_fkey FOREIGN KEY (entry_id, council_id) REFERENCES ledger_entries (id, council_id)
);

-- Runs made before the gate: each payment covers the days of its run's period within the
-- account's dates (payees' names lower-cased as the name key is). Where two old runs
-- overlapped, the first cover of a day stands.
INSERT INTO paid_days (council_id, budget_account_id, stream, payee, first_day, last_day, entry_id)
SELECT i.council_id, i.budget_account_id, i.stream,
       CASE WHEN i.payee_kind = 'budget_holder' THEN 'budget_holder' ELSE 'provider:' || LOWER(i.payee_name) END,
       CASE WHEN r.period_start > a.start_date THEN r.period_start ELSE a.start_date END,
       CASE WHEN r.period_end < a.end_date THEN r.period_end ELSE a.end_date END,
       i.entry_id
FROM payment_run_items i
JOIN payment_runs r ON r.id = i.run_id AND r.council_id = i.council_id
JOIN budget_accounts a ON a.id = i.budget_account_id AND a.council_id = i.council_id
WHERE i.entry_id IS NOT NULL AND r.period_start <= a.end_date AND r.period_end >= a.start_date
ON CONFLICT DO NOTHING;
