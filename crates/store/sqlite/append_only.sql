-- SQLite: applied after every migration run (idempotent). The access log and the ledger
-- only grow: corrections are new entries, never edits. The database itself refuses an
-- UPDATE or DELETE, whoever sends it.
CREATE TRIGGER IF NOT EXISTS access_log_append_only_update BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'access_log is append-only: rows may be added, never changed or removed'); END;
CREATE TRIGGER IF NOT EXISTS access_log_append_only_delete BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'access_log is append-only: rows may be added, never changed or removed'); END;
CREATE TRIGGER IF NOT EXISTS ledger_entries_append_only_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: rows may be added, never changed or removed'); END;
CREATE TRIGGER IF NOT EXISTS ledger_entries_append_only_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger_entries is append-only: rows may be added, never changed or removed'); END;
CREATE TRIGGER IF NOT EXISTS ledger_postings_append_only_update BEFORE UPDATE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger_postings is append-only: rows may be added, never changed or removed'); END;
CREATE TRIGGER IF NOT EXISTS ledger_postings_append_only_delete BEFORE DELETE ON ledger_postings
BEGIN SELECT RAISE(ABORT, 'ledger_postings is append-only: rows may be added, never changed or removed'); END;
