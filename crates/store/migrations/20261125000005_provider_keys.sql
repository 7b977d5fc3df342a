-- Providers are matched as people type them (case and spacing do not matter), so the
-- matching key is stored and unique per council: "harbour care" and "Harbour Care" are
-- one provider. Existing names get lower(trim(name)); registration writes the full key.
ALTER TABLE providers ADD COLUMN name_key TEXT;
UPDATE providers SET name_key = lower(trim(name));
CREATE UNIQUE INDEX providers_by_key ON providers (council_id, name_key);
