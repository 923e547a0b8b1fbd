-- The system of record: who may act, what the fund is made of, the ledger and its audit chain.
-- Money is DECIMAL(18,2) everywhere. Ledger and audit rows are only ever inserted.

CREATE SEQUENCE app_user_id START 1;
CREATE TABLE app_user (
    user_id       INTEGER PRIMARY KEY DEFAULT nextval('app_user_id'),
    username      VARCHAR NOT NULL UNIQUE,
    display_name  VARCHAR NOT NULL,
    role          VARCHAR NOT NULL CHECK (role IN ('fund_manager', 'auditor', 'board_member', 'admin')),
    password_hash VARCHAR NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL
);

CREATE SEQUENCE ringfence_id START 1;
CREATE TABLE ringfence (
    ringfence_id    INTEGER PRIMARY KEY DEFAULT nextval('ringfence_id'),
    name            VARCHAR NOT NULL UNIQUE,
    owner_body      VARCHAR NOT NULL,
    financial_years VARCHAR NOT NULL,
    declared_amount DECIMAL(18,2) NOT NULL CHECK (declared_amount > 0),
    purpose         VARCHAR NOT NULL,
    advertised_on   DATE NOT NULL,
    delegated_limit DECIMAL(18,2) NOT NULL CHECK (delegated_limit >= 0),
    created_at      TIMESTAMP NOT NULL
);

CREATE SEQUENCE programme_id START 1;
CREATE TABLE programme (
    programme_id INTEGER PRIMARY KEY DEFAULT nextval('programme_id'),
    ringfence_id INTEGER NOT NULL REFERENCES ringfence (ringfence_id),
    name         VARCHAR NOT NULL UNIQUE,
    target       VARCHAR NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

CREATE SEQUENCE experiment_id START 1;
-- programme_id carries no REFERENCES clause: DuckDB rewrites an update of a foreign-key
-- column as delete + insert, which rows referring to the experiment would block. The
-- register service checks the programme exists instead.
CREATE TABLE experiment (
    experiment_id    INTEGER PRIMARY KEY DEFAULT nextval('experiment_id'),
    programme_id     INTEGER NOT NULL,
    title            VARCHAR NOT NULL,
    instrument       VARCHAR NOT NULL
        CHECK (instrument IN ('small_grant', 'experimental_zone', 'pbr_contract', 'social_venture')),
    phase            SMALLINT NOT NULL CHECK (phase BETWEEN 0 AND 4),
    risk_rating      VARCHAR NOT NULL CHECK (risk_rating IN ('low', 'medium', 'high')),
    official         VARCHAR NOT NULL,
    user_involvement VARCHAR NOT NULL
        CHECK (user_involvement IN ('informed', 'consulted', 'co-designed', 'user-led')),
    created_at       TIMESTAMP NOT NULL
);

CREATE SEQUENCE partner_id START 1;
CREATE TABLE partner (
    partner_id INTEGER PRIMARY KEY DEFAULT nextval('partner_id'),
    name       VARCHAR NOT NULL UNIQUE,
    sector     VARCHAR NOT NULL
        CHECK (sector IN ('government', 'business', 'civil_society', 'university', 'service_users'))
);

CREATE TABLE experiment_partner (
    experiment_id INTEGER NOT NULL REFERENCES experiment (experiment_id),
    partner_id    INTEGER NOT NULL REFERENCES partner (partner_id),
    role          VARCHAR NOT NULL CHECK (role IN ('innovation_creator', 'innovation_seeker',
                                                   'investor', 'policy_maker', 'broker', 'evaluator')),
    match_cash    DECIMAL(18,2) NOT NULL CHECK (match_cash >= 0),
    match_in_kind DECIMAL(18,2) NOT NULL CHECK (match_in_kind >= 0),
    PRIMARY KEY (experiment_id, partner_id, role)
);

-- A commitment is an award, contract or investment; its amount lives in the ledger.
CREATE SEQUENCE commitment_id START 1;
CREATE TABLE commitment (
    commitment_id INTEGER PRIMARY KEY DEFAULT nextval('commitment_id'),
    experiment_id INTEGER NOT NULL REFERENCES experiment (experiment_id),
    counterparty  VARCHAR NOT NULL,
    approved_by   INTEGER REFERENCES app_user (user_id),
    created_at    TIMESTAMP NOT NULL
);

-- Every money movement. Amounts are signed by their effect on the balance their kind feeds
-- (a decommitment is negative); a reversal repeats the kind with the amount negated.
CREATE SEQUENCE ledger_entry_id START 1;
CREATE TABLE ledger_entry (
    entry_id      BIGINT PRIMARY KEY DEFAULT nextval('ledger_entry_id'),
    audit_seq     BIGINT NOT NULL,
    kind          VARCHAR NOT NULL CHECK (kind IN ('allocation', 'virement', 'ringfence_virement',
        'commitment', 'decommitment', 'disbursement', 'recovery', 'write_off')),
    ringfence_id  INTEGER NOT NULL,
    programme_id  INTEGER,
    commitment_id INTEGER,
    amount        DECIMAL(18,2) NOT NULL,
    value_date    DATE NOT NULL,
    recorded_at   TIMESTAMP NOT NULL,
    actor_id      INTEGER NOT NULL,
    reason        VARCHAR NOT NULL,
    reverses      BIGINT,
    virement_id   INTEGER
);
CREATE INDEX ledger_entry_by_commitment ON ledger_entry (commitment_id);

-- Virements and above-limit commitments wait here for a second person.
CREATE SEQUENCE approval_request_id START 1;
CREATE TABLE approval_request (
    request_id        INTEGER PRIMARY KEY DEFAULT nextval('approval_request_id'),
    kind              VARCHAR NOT NULL CHECK (kind IN ('virement', 'commitment')),
    amount            DECIMAL(18,2) NOT NULL CHECK (amount > 0),
    requested_by      INTEGER NOT NULL REFERENCES app_user (user_id),
    requested_at      TIMESTAMP NOT NULL,
    reason            VARCHAR NOT NULL,
    from_ringfence_id INTEGER,
    to_ringfence_id   INTEGER,
    from_programme_id INTEGER,
    to_programme_id   INTEGER,
    experiment_id     INTEGER,
    counterparty      VARCHAR,
    value_date        DATE
);
CREATE TABLE approval_decision (
    request_id INTEGER PRIMARY KEY REFERENCES approval_request (request_id),
    approved   BOOLEAN NOT NULL,
    decided_by INTEGER NOT NULL REFERENCES app_user (user_id),
    decided_at TIMESTAMP NOT NULL,
    reason     VARCHAR NOT NULL
);

-- The audit chain: one row per write, each row's hash covering the previous row's hash.
CREATE TABLE audit_log (
    seq             BIGINT PRIMARY KEY,
    recorded_at     TIMESTAMP NOT NULL,
    actor_id        INTEGER NOT NULL,
    actor           VARCHAR NOT NULL,
    operation       VARCHAR NOT NULL,
    entity          VARCHAR NOT NULL,
    entity_id       BIGINT,
    idempotency_key VARCHAR NOT NULL UNIQUE,
    reason          VARCHAR NOT NULL,
    details         VARCHAR NOT NULL,
    entries_digest  VARCHAR NOT NULL,
    prev_hash       VARCHAR NOT NULL,
    row_hash        VARCHAR NOT NULL
);
-- The newest link, so that deleting the last rows of the chain is detected too.
CREATE TABLE audit_head (
    seq      BIGINT NOT NULL,
    row_hash VARCHAR NOT NULL
);
INSERT INTO audit_head VALUES (0, repeat('0', 64));

-- The canonical text that the chain hashes; one definition, used when writing and verifying.
CREATE MACRO audit_row_text(seq, recorded_at, actor_id, actor, operation, entity, entity_id,
                            idempotency_key, reason, details, entries_digest) AS
    to_json([seq::VARCHAR, strftime(recorded_at, '%Y-%m-%dT%H:%M:%S.%f'), actor_id::VARCHAR,
             actor, operation, entity, entity_id::VARCHAR, idempotency_key, reason, details,
             entries_digest]);
CREATE MACRO ledger_entry_text(entry_id, kind, ringfence_id, programme_id, commitment_id, amount,
                               value_date, recorded_at, actor_id, reason, reverses, virement_id) AS
    to_json([entry_id::VARCHAR, kind, ringfence_id::VARCHAR, programme_id::VARCHAR,
             commitment_id::VARCHAR, amount::VARCHAR, value_date::VARCHAR,
             strftime(recorded_at, '%Y-%m-%dT%H:%M:%S.%f'), actor_id::VARCHAR, reason,
             reverses::VARCHAR, virement_id::VARCHAR]);

-- Which balance each entry feeds: the one definition of allocated, committed, paid, recovered,
-- written off and ring-fence moves. Every balance and every report sums these columns.
CREATE VIEW ledger_effect AS
SELECT entry_id, kind, ringfence_id, programme_id, commitment_id, value_date,
       CASE WHEN kind IN ('allocation', 'virement') THEN amount ELSE 0 END AS allocated,
       CASE WHEN kind IN ('commitment', 'decommitment') THEN amount ELSE 0 END AS committed,
       CASE WHEN kind = 'disbursement' THEN amount ELSE 0 END AS paid,
       CASE WHEN kind = 'recovery' THEN amount ELSE 0 END AS recovered,
       CASE WHEN kind = 'write_off' THEN amount ELSE 0 END AS written_off,
       CASE WHEN kind = 'ringfence_virement' THEN amount ELSE 0 END AS ceiling_moved
FROM ledger_entry;

CREATE VIEW commitment_balance AS
SELECT commitment_id, sum(committed) AS committed, sum(paid) AS paid,
       sum(recovered) AS recovered, sum(written_off) AS written_off
FROM ledger_effect
WHERE commitment_id IS NOT NULL
GROUP BY commitment_id;

CREATE VIEW programme_balance AS
SELECT programme_id, sum(allocated) AS allocated, sum(committed) AS committed
FROM ledger_effect
WHERE programme_id IS NOT NULL
GROUP BY programme_id;

CREATE VIEW ringfence_balance AS
SELECT r.ringfence_id,
       r.declared_amount + coalesce(sum(e.ceiling_moved), 0) AS ceiling,
       coalesce(sum(e.allocated), 0) AS allocated
FROM ringfence AS r
LEFT JOIN ledger_effect AS e USING (ringfence_id)
GROUP BY r.ringfence_id, r.declared_amount;

-- Each experiment with the money of its commitments: the base of every portfolio slice.
CREATE VIEW experiment_money AS
SELECT x.experiment_id, x.programme_id, p.ringfence_id, x.instrument, x.phase, x.risk_rating,
       x.official,
       coalesce(sum(b.committed), 0) AS committed, coalesce(sum(b.paid), 0) AS paid,
       coalesce(sum(b.recovered), 0) AS recovered, coalesce(sum(b.written_off), 0) AS written_off
FROM experiment AS x
JOIN programme AS p USING (programme_id)
LEFT JOIN commitment AS c USING (experiment_id)
LEFT JOIN commitment_balance AS b USING (commitment_id)
GROUP BY x.experiment_id, x.programme_id, p.ringfence_id, x.instrument, x.phase, x.risk_rating,
         x.official;
