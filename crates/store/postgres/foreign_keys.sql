-- PostgreSQL only: applied after every migration run. Idempotent.
--
-- A person's allocated worker is a user of the same council. People and users point at
-- each other, so this key cannot be written in the shared migrations (SQLite cannot add a
-- foreign key to an existing table); see migration 000018.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'people'::regclass AND conname = 'people_allocated_worker_fkey') THEN
        ALTER TABLE people ADD CONSTRAINT people_allocated_worker_fkey
            FOREIGN KEY (allocated_worker_id, council_id) REFERENCES users (id, council_id);
    END IF;
END
$$;
