-- The NHS number: the identifier a person has across health and social care, checked by
-- its modulus-11 check digit where it is typed. One person per NHS number in a council
-- (tell us once: the same person is not registered twice).
ALTER TABLE people ADD COLUMN nhs_number TEXT;
CREATE UNIQUE INDEX people_nhs_number_unique ON people (council_id, nhs_number) WHERE nhs_number IS NOT NULL;
