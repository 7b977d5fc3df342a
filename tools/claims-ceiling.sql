-- The most PostgreSQL itself can write of accepted claims: for 100,000 claims, the four rows
-- each one costs (ledger entry, two postings, invoice), made inside the server by
-- INSERT … SELECT, with no client, no validation, no locking and no rollup. Run against a
-- generated database (selfdirect generate …), twice: as it is, then with
--   psql … -v no_fk_checks=1 -f tools/claims-ceiling.sql
-- to skip the foreign-key checks. Everything is rolled back: the database is unchanged.
--
--   psql postgres://postgres@127.0.0.1:5432/NAME -f tools/claims-ceiling.sql
\set ON_ERROR_STOP on
\if :{?no_fk_checks}
\else
\set no_fk_checks 0
\endif
CREATE TEMP TABLE ceiling_accounts AS
SELECT row_number() OVER () AS n, a.id, a.council_id,
       (SELECT l.id FROM plan_lines l WHERE l.plan_id = a.plan_id AND l.council_id = a.council_id LIMIT 1) AS line
FROM budget_accounts a;
CREATE TEMP TABLE ceiling_claims AS
SELECT g, gen_random_uuid()::text AS entry_id, gen_random_uuid()::text AS invoice_id, c.*
FROM generate_series(1, 100000) g
JOIN ceiling_accounts c ON c.n = 1 + (g % (SELECT count(*) FROM ceiling_accounts));
BEGIN;
SELECT CASE WHEN :no_fk_checks = 1 THEN set_config('session_replication_role', 'replica', true) END AS skipping_foreign_key_checks;
\timing on
INSERT INTO ledger_entries (id, council_id, budget_account_id, kind, occurred_on, description, payee_name, created_at)
SELECT entry_id, council_id, id, 'invoice', '2026-11-01', 'Invoice C-' || g, 'Provider', '2026-11-25T00:00:00Z' FROM ceiling_claims;
INSERT INTO ledger_postings (entry_id, line_no, council_id, budget_account_id, account, stream, plan_line_id, amount_pence, occurred_on)
SELECT entry_id, 1, council_id, id, 'with_provider', 'social_care', line, -1000, '2026-11-01' FROM ceiling_claims
UNION ALL
SELECT entry_id, 2, council_id, id, 'spent', 'social_care', line, 1000, '2026-11-01' FROM ceiling_claims;
INSERT INTO invoices (id, council_id, provider_name, invoice_ref, budget_account_id, plan_line_id, category, period_start, period_end,
                      units, unit_rate_pence, amount_pence, status, entry_id, created_at, person_id, file_line)
SELECT invoice_id, council_id, 'Provider', 'C-' || g, id, line, 'home_care', '2026-11-01', '2026-11-07',
       '1', 1000, 1000, 'accepted', entry_id, '2026-11-25T00:00:00Z', NULL, g FROM ceiling_claims;
\timing off
ROLLBACK;
