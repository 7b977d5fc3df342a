-- Risk enablement: a plan line can say what risk the person chooses to take with it and
-- how it is managed; such a plan is a team manager's decision. And each council sets the
-- most a social worker may approve (its scheme of delegation); empty means £25,000 a year.
ALTER TABLE plan_lines ADD COLUMN risk_note TEXT;
ALTER TABLE councils ADD COLUMN approval_limit_pence BIGINT;
