-- Every audited write records the state it gave each row it wrote, so that `fund audit
-- verify` can compare every current row with its last audited state; anchors published
-- outside the database; and the balances that awards and allocations are checked against,
-- kept current in the write's own transaction instead of summed from the whole ledger.

-- The state a write gave each row (or group of child rows) it wrote; NULL once gone. Which
-- tables are recorded, and how a row is written as text, is declared in fund/audit_state.py.
CREATE TABLE audit_state (
    audit_seq BIGINT NOT NULL,
    tbl       VARCHAR NOT NULL,
    row_key   VARCHAR NOT NULL,
    state     VARCHAR
);
CREATE INDEX audit_state_by_row ON audit_state (tbl, row_key);

-- A digest of the states a write recorded, covered by the row's hash ('' when none, and
-- then left out of the hashed text, so rows written before this migration verify as before).
ALTER TABLE audit_log ADD COLUMN states_digest VARCHAR NOT NULL DEFAULT '';
CREATE OR REPLACE MACRO audit_row_text(seq, recorded_at, actor_id, actor, operation, entity,
                                       entity_id, idempotency_key, reason, details,
                                       entries_digest, states_digest) AS
    to_json(list_concat(
        [seq::VARCHAR, strftime(recorded_at, '%Y-%m-%dT%H:%M:%S.%f'), actor_id::VARCHAR,
         actor, operation, entity, entity_id::VARCHAR, idempotency_key, reason, details,
         entries_digest],
        CASE WHEN states_digest = '' THEN []::VARCHAR[] ELSE [states_digest] END));
CREATE MACRO audit_state_text(tbl, row_key, state) AS to_json([tbl, row_key, state]);

-- Chain heads printed for publication (`fund audit anchor`); the printed line, kept outside
-- the database, is what makes the tail trustworthy.
CREATE SEQUENCE audit_anchor_id START 1;
CREATE TABLE audit_anchor (
    anchor_id   INTEGER PRIMARY KEY DEFAULT nextval('audit_anchor_id'),
    seq         BIGINT NOT NULL,
    row_hash    VARCHAR NOT NULL,
    anchored_at TIMESTAMP NOT NULL,
    actor_id    INTEGER NOT NULL
);

-- Kept balances: each programme's allocated and committed money and each ring-fence's
-- ceiling and allocated money, moved by every posting in its own transaction (verify checks
-- them against the ledger). They replace the views of the same names, which summed the
-- whole ledger on every award and allocation.
DROP VIEW programme_balance;
DROP VIEW ringfence_balance;
CREATE TABLE programme_balance (
    programme_id INTEGER PRIMARY KEY,
    allocated    DECIMAL(18,2) NOT NULL,
    committed    DECIMAL(18,2) NOT NULL
);
CREATE TABLE ringfence_balance (
    ringfence_id INTEGER PRIMARY KEY,
    ceiling      DECIMAL(18,2) NOT NULL,
    allocated    DECIMAL(18,2) NOT NULL
);
-- What the ledger says each kept balance must be: the one definition verify compares with.
CREATE VIEW programme_balance_from_ledger AS
SELECT p.programme_id,
       CAST(coalesce(sum(e.allocated), 0) AS DECIMAL(18,2)) AS allocated,
       CAST(coalesce(sum(e.committed), 0) AS DECIMAL(18,2)) AS committed
FROM programme AS p
LEFT JOIN ledger_effect AS e USING (programme_id)
GROUP BY p.programme_id;
CREATE VIEW ringfence_balance_from_ledger AS
SELECT r.ringfence_id,
       CAST(r.declared_amount + coalesce(sum(e.ceiling_moved), 0) AS DECIMAL(18,2)) AS ceiling,
       CAST(coalesce(sum(e.allocated), 0) AS DECIMAL(18,2)) AS allocated
FROM ringfence AS r
LEFT JOIN ledger_effect AS e USING (ringfence_id)
GROUP BY r.ringfence_id, r.declared_amount;
INSERT INTO programme_balance SELECT * FROM programme_balance_from_ledger;
INSERT INTO ringfence_balance SELECT * FROM ringfence_balance_from_ledger;

-- Each experiment's money, summed from its commitments' entries in one GROUP BY (the view of
-- the first migration summed each commitment first, then each experiment).
CREATE OR REPLACE VIEW experiment_money AS
WITH spent AS (
    SELECT c.experiment_id, sum(e.committed) AS committed, sum(e.paid) AS paid,
           sum(e.recovered) AS recovered, sum(e.written_off) AS written_off
    FROM ledger_effect AS e
    JOIN commitment AS c USING (commitment_id)
    GROUP BY c.experiment_id
)
SELECT x.experiment_id, x.programme_id, p.ringfence_id, x.instrument, x.phase, x.risk_rating,
       x.official,
       coalesce(s.committed, 0) AS committed, coalesce(s.paid, 0) AS paid,
       coalesce(s.recovered, 0) AS recovered, coalesce(s.written_off, 0) AS written_off
FROM experiment AS x
JOIN programme AS p USING (programme_id)
LEFT JOIN spent AS s USING (experiment_id);
