-- PostgreSQL: applied after every migration run (idempotent). The money gate's
-- invariants, kept by the database whoever writes: each day of a budget account is paid
-- once per stream and payee, paid days are never changed or removed, and a person has at
-- most one budget account live on any day. Each check first locks the rows it is about
-- (the accounts, the person), so two transactions cannot both pass it; the refusal is an
-- exclusion violation (SQLSTATE 23P01).
-- Once per statement, over the rows it inserted (a transition table): a run or a claims
-- file inserts thousands at once, and one set-based check costs a fraction of a check
-- per row. It first locks the accounts concerned, so a concurrent insert for the same
-- account waits for this transaction and then sees its rows.
CREATE OR REPLACE FUNCTION selfdirect_paid_days_once() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    clash record;
BEGIN
    PERFORM 1 FROM budget_accounts a
    WHERE (a.id, a.council_id) IN (SELECT DISTINCT n.budget_account_id, n.council_id FROM inserted n)
    ORDER BY a.id
    FOR UPDATE;
    SELECT n.* INTO clash FROM inserted n
    JOIN paid_days p ON p.budget_account_id = n.budget_account_id AND p.council_id = n.council_id AND p.stream = n.stream AND p.payee = n.payee
    WHERE p.first_day <> n.first_day AND p.first_day <= n.last_day AND p.last_day >= n.first_day
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'paid_days: these days of the budget account are already paid for this stream and payee'
            USING ERRCODE = 'exclusion_violation', DETAIL = format('%s to %s, %s, %s, account %s', clash.first_day, clash.last_day, clash.stream, clash.payee, clash.budget_account_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION selfdirect_one_live_budget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM people WHERE id = NEW.person_id AND council_id = NEW.council_id FOR UPDATE;
    IF EXISTS (
        SELECT 1 FROM budget_accounts a
        WHERE a.council_id = NEW.council_id AND a.person_id = NEW.person_id AND a.id <> NEW.id
          AND a.start_date <= NEW.end_date AND a.end_date >= NEW.start_date
    ) THEN
        RAISE EXCEPTION 'one live budget: the person already has a budget account live on some of these days'
            USING ERRCODE = 'exclusion_violation', DETAIL = format('person %s, %s to %s', NEW.person_id, NEW.start_date, NEW.end_date);
    END IF;
    RETURN NEW;
END
$$;
DO $$
BEGIN
    -- Earlier releases checked row by row.
    IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'paid_days'::regclass AND tgname = 'paid_days_once') THEN
        DROP TRIGGER paid_days_once ON paid_days;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'paid_days'::regclass AND tgname = 'paid_days_once_per_statement') THEN
        CREATE TRIGGER paid_days_once_per_statement AFTER INSERT ON paid_days REFERENCING NEW TABLE AS inserted
            FOR EACH STATEMENT EXECUTE FUNCTION selfdirect_paid_days_once();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'paid_days'::regclass AND tgname = 'paid_days_append_only') THEN
        CREATE TRIGGER paid_days_append_only BEFORE UPDATE OR DELETE ON paid_days FOR EACH ROW EXECUTE FUNCTION selfdirect_append_only();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'paid_days'::regclass AND tgname = 'paid_days_no_truncate') THEN
        CREATE TRIGGER paid_days_no_truncate BEFORE TRUNCATE ON paid_days FOR EACH STATEMENT EXECUTE FUNCTION selfdirect_append_only();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'budget_accounts'::regclass AND tgname = 'one_live_budget') THEN
        CREATE TRIGGER one_live_budget BEFORE INSERT OR UPDATE OF person_id, start_date, end_date ON budget_accounts
            FOR EACH ROW EXECUTE FUNCTION selfdirect_one_live_budget();
    END IF;
END
$$;
