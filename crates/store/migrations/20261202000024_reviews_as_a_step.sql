-- A review as a step of its own: who took part, which of the plan's outcomes were met,
-- what is working and what is not, and what was decided. Reviews recorded before this
-- keep their notes and have none of these.
ALTER TABLE reviews ADD COLUMN participants TEXT;
ALTER TABLE reviews ADD COLUMN outcomes_met TEXT;
ALTER TABLE reviews ADD COLUMN working TEXT;
ALTER TABLE reviews ADD COLUMN not_working TEXT;
ALTER TABLE reviews ADD COLUMN decision TEXT;
