-- Why each access was allowed: the relationship it rested on (their own record, the
-- allocated worker, the team's caseload, the duty queue, a council-wide role). Empty on
-- rows written before it was kept.
ALTER TABLE access_log ADD COLUMN grounds TEXT;
