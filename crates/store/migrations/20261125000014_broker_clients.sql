-- A broker (a support planner or brokerage) helps everyone who chose them: besides the
-- person named on their sign-in, the people who have since chosen them.
CREATE TABLE broker_clients (
    broker_user_id TEXT NOT NULL REFERENCES users (id),
    person_id TEXT NOT NULL REFERENCES people (id),
    council_id TEXT NOT NULL REFERENCES councils (id),
    chosen_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (broker_user_id, person_id)
);
CREATE INDEX broker_clients_by_person ON broker_clients (person_id);
