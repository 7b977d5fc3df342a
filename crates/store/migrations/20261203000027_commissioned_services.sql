-- Existing users: people who receive services the council commissions for them, without a
-- personal budget. When a personal budget starts, the service it replaces ends the day
-- before (replaced_by_account_id says which budget), so uptake counts the person once,
-- without a budget before and with one after.
CREATE TABLE commissioned_services (
    id TEXT NOT NULL,
    council_id TEXT NOT NULL REFERENCES councils (id),
    person_id TEXT NOT NULL,
    service TEXT NOT NULL,
    provider TEXT NOT NULL,
    category TEXT NOT NULL,
    weekly_cost_pence BIGINT NOT NULL CHECK (weekly_cost_pence > 0),
    start_date TEXT NOT NULL,
    end_date TEXT,
    replaced_by_account_id TEXT,
    recorded_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT commissioned_services_key PRIMARY KEY (id, council_id),
    CONSTRAINT commissioned_services_person_fkey FOREIGN KEY (person_id, council_id) REFERENCES people (id, council_id)
);
CREATE INDEX commissioned_services_by_person ON commissioned_services (person_id, council_id);
