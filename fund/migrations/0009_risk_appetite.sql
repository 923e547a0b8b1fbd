-- Risk appetite (issue 12): how much of a ring-fence may sit in high-risk experiments, in any
-- one instrument and with any one counterparty, as percentages of its ceiling. Declared with
-- the ring-fence and written through the audited write path (declared in fund/audit_state.py);
-- never updated: a new declaration is the ring-fence's next version, and the appetite as at
-- a moment is the latest version declared before it.

-- ``ringfence_id`` carries no REFERENCES clause, as a programme's does not (migration 0005):
-- DuckDB changes a ring-fence's name by deleting and re-inserting the row, which a foreign
-- key from its appetite would refuse. The service checks that the ring-fence exists.
CREATE SEQUENCE risk_appetite_id START 1;
CREATE TABLE risk_appetite (
    appetite_id        INTEGER PRIMARY KEY DEFAULT nextval('risk_appetite_id'),
    ringfence_id       INTEGER NOT NULL,
    version            INTEGER NOT NULL CHECK (version >= 1),
    high_risk_share    DECIMAL(5, 2) NOT NULL CHECK (high_risk_share > 0 AND high_risk_share <= 100),
    instrument_share   DECIMAL(5, 2) NOT NULL CHECK (instrument_share > 0 AND instrument_share <= 100),
    counterparty_share DECIMAL(5, 2) NOT NULL
        CHECK (counterparty_share > 0 AND counterparty_share <= 100),
    declared_by        INTEGER NOT NULL REFERENCES app_user (user_id),
    declared_at        TIMESTAMP NOT NULL,
    reason             VARCHAR NOT NULL,
    UNIQUE (ringfence_id, version)
);

-- How a counterparty is known across commitments and requests: its name lower-cased, trimmed,
-- inner runs of spaces collapsed. One definition for the position and the four-eyes check.
CREATE MACRO counterparty_key(name) AS regexp_replace(lower(trim(name)), '\s+', ' ', 'g');
