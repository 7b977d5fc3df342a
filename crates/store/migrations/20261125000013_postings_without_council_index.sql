-- The index of postings by council and date (000011) halved batched claim posting: a
-- fourth index on the largest table, and the planner was tempted by it. The statutory
-- return now reaches a council's postings through its accounts (ledger_postings_by_account)
-- and the dashboards read the rollup, so nothing needs it.
DROP INDEX IF EXISTS ledger_postings_by_council_date;
