-- A review that decides to re-assess leads to a new assessment, a new indicative budget and
-- a new plan version. The version that follows a newer assessment than the plan's names it
-- and the indicative budget it gave (both NULL for a revision made on the same assessment).
ALTER TABLE plan_revisions ADD COLUMN assessment_id TEXT;
ALTER TABLE plan_revisions ADD COLUMN indicative_budget_pence BIGINT CHECK (indicative_budget_pence >= 0);
