-- PostgreSQL: applied after every migration run (idempotent). The money gate's
-- invariants, kept by the database whoever writes: each day of a budget account is paid
-- once per stream and payee, paid days are never changed or removed, and a person has at
-- most one budget account live on any day. Each check first locks the row it is about
-- (the account, the person), so two transactions cannot both pass it; the refusal is an
-- exclusion violation (SQLSTATE 23P01).
CREATE OR REPLACE FUNCTION selfdirect_paid_days_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM budget_accounts WHERE id = NEW.budget_account_id AND council_id = NEW.council_id FOR UPDATE;
    IF EXISTS (
        SELECT 1 FROM paid_days p
        WHERE p.council_id = NEW.council_id AND p.budget_account_id = NEW.budget_account_id AND p.stream = NEW.stream
          AND p.payee = NEW.payee AND p.first_day <= NEW.last_day AND p.last_day >= NEW.first_day
    ) THEN
        RAISE EXCEPTION 'paid_days: these days of the budget account are already paid for this stream and payee'
            USING ERRCODE = 'exclusion_violation', DETAIL = format('%s to %s, %s, %s, account %s', NEW.first_day, NEW.last_day, NEW.stream, NEW.payee, NEW.budget_account_id);
    END IF;
    RETURN NEW;
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
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'paid_days'::regclass AND tgname = 'paid_days_once') THEN
        CREATE TRIGGER paid_days_once BEFORE INSERT ON paid_days FOR EACH ROW EXECUTE FUNCTION selfdirect_paid_days_once();
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
