-- Failed sign-ins are counted by where they come from as well as by email, so one
-- address guessing at many accounts is slowed down too. Empty for attempts made before
-- this, and for attempts that come from no network address (the CLI, tests).
ALTER TABLE sign_in_failures ADD COLUMN source TEXT;
CREATE INDEX sign_in_failures_by_source ON sign_in_failures (source, failed_at);
