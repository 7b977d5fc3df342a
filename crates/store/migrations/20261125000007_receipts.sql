-- Receipts a budget holder uploads with their direct-payment spending, kept with the
-- ledger entry they evidence (for the direct-payment audit).
CREATE TABLE receipts (
    id TEXT PRIMARY KEY,
    council_id TEXT NOT NULL REFERENCES councils (id),
    budget_account_id TEXT NOT NULL REFERENCES budget_accounts (id),
    entry_id TEXT NOT NULL REFERENCES ledger_entries (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content BYTEA NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX receipts_by_entry ON receipts (entry_id);
