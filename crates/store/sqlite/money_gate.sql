-- SQLite: applied after every migration run (idempotent). The money gate's invariants,
-- kept by the database whoever writes: each day of a budget account is paid once per
-- stream and payee, paid days are never changed or removed, and a person has at most one
-- budget account live on any day. (SQLite has one writer at a time, so the checks
-- cannot race.)
CREATE TRIGGER IF NOT EXISTS paid_days_once BEFORE INSERT ON paid_days
WHEN EXISTS (
    SELECT 1 FROM paid_days p
    WHERE p.council_id = NEW.council_id AND p.budget_account_id = NEW.budget_account_id AND p.stream = NEW.stream
      AND p.payee = NEW.payee AND p.first_day <= NEW.last_day AND p.last_day >= NEW.first_day
)
BEGIN SELECT RAISE(ABORT, 'paid_days: these days of the budget account are already paid for this stream and payee'); END;
CREATE TRIGGER IF NOT EXISTS paid_days_append_only_update BEFORE UPDATE ON paid_days
BEGIN SELECT RAISE(ABORT, 'paid_days is append-only: rows may be added, never changed or removed'); END;
CREATE TRIGGER IF NOT EXISTS paid_days_append_only_delete BEFORE DELETE ON paid_days
BEGIN SELECT RAISE(ABORT, 'paid_days is append-only: rows may be added, never changed or removed'); END;
CREATE TRIGGER IF NOT EXISTS one_live_budget_insert BEFORE INSERT ON budget_accounts
WHEN EXISTS (
    SELECT 1 FROM budget_accounts a
    WHERE a.council_id = NEW.council_id AND a.person_id = NEW.person_id AND a.id <> NEW.id
      AND a.start_date <= NEW.end_date AND a.end_date >= NEW.start_date
)
BEGIN SELECT RAISE(ABORT, 'one live budget: the person already has a budget account live on some of these days'); END;
CREATE TRIGGER IF NOT EXISTS one_live_budget_update BEFORE UPDATE OF person_id, start_date, end_date ON budget_accounts
WHEN EXISTS (
    SELECT 1 FROM budget_accounts a
    WHERE a.council_id = NEW.council_id AND a.person_id = NEW.person_id AND a.id <> NEW.id
      AND a.start_date <= NEW.end_date AND a.end_date >= NEW.start_date
)
BEGIN SELECT RAISE(ABORT, 'one live budget: the person already has a budget account live on some of these days'); END;
