-- A programme refers to its ring-fence without a REFERENCES clause, as an experiment refers
-- to its programme: DuckDB changes a UNIQUE column (a ring-fence's name) by deleting and
-- re-inserting the row, which a foreign key from the ring-fence's programmes would refuse,
-- so a ring-fence with programmes could not be renamed. The register service checks that
-- the ring-fence exists instead. The rows, their ids and the sequence are kept as they were;
-- views read the table by name, so they see the rebuilt one.

CREATE TABLE programme_rebuilt (
    programme_id INTEGER PRIMARY KEY DEFAULT nextval('programme_id'),
    ringfence_id INTEGER NOT NULL,
    name         VARCHAR NOT NULL UNIQUE,
    target       VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
INSERT INTO programme_rebuilt SELECT programme_id, ringfence_id, name, target, created_at FROM programme;
DROP TABLE programme;
ALTER TABLE programme_rebuilt RENAME TO programme;
