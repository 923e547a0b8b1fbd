-- Payment-by-results contracts and social impact bonds (issue 13). A contract sits on one
-- commitment (its overall cap) of an experiment whose instrument is payment-by-results, and
-- pays only for outcomes an independent verifier accepted, priced by its rate card. Every
-- table here decides money and is declared in fund/audit_state.py; none is ever updated in
-- place: a claim's verification is reversed by a reversing row, as ledger entries are.
-- The view ``ledger_effect`` is recreated from fund.ledger.effects.FEEDS (the one definition
-- of which kind feeds which balance) by this migration's finishing step.

CREATE SEQUENCE pbr_contract_id START 1;
CREATE TABLE pbr_contract (
    contract_id         INTEGER PRIMARY KEY DEFAULT nextval('pbr_contract_id'),
    commitment_id       INTEGER NOT NULL UNIQUE REFERENCES commitment (commitment_id),
    name                VARCHAR NOT NULL,
    provider            VARCHAR NOT NULL,
    outcome_payer       VARCHAR NOT NULL,
    starts_on           DATE NOT NULL,
    ends_on             DATE NOT NULL CHECK (ends_on > starts_on),
    max_per_participant DECIMAL(18, 2) CHECK (max_per_participant > 0),
    baseline_rule       VARCHAR NOT NULL,
    verifier            VARCHAR NOT NULL,
    created_by          INTEGER NOT NULL REFERENCES app_user (user_id),
    created_at          TIMESTAMP NOT NULL
);

-- The groups of participants whose outcomes are measured together.
CREATE TABLE pbr_cohort (
    contract_id  INTEGER NOT NULL REFERENCES pbr_contract (contract_id),
    cohort       VARCHAR NOT NULL,
    starts_on    DATE NOT NULL,
    participants INTEGER NOT NULL CHECK (participants > 0),
    PRIMARY KEY (contract_id, cohort)
);

-- The rate card: what one verified outcome of each metric is worth, and the most the metric
-- may earn in all (NULL: no cap of its own; the contract's caps still hold).
CREATE TABLE pbr_rate (
    contract_id INTEGER NOT NULL REFERENCES pbr_contract (contract_id),
    metric      VARCHAR NOT NULL,
    definition  VARCHAR NOT NULL,
    unit_price  DECIMAL(18, 2) NOT NULL CHECK (unit_price > 0),
    cap         DECIMAL(18, 2) CHECK (cap > 0),
    PRIMARY KEY (contract_id, metric)
);

-- The expected-outcomes profile the forecast of outcome payments is made from.
CREATE TABLE pbr_expected (
    contract_id INTEGER NOT NULL REFERENCES pbr_contract (contract_id),
    metric      VARCHAR NOT NULL,
    period_end  DATE NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity >= 0),
    PRIMARY KEY (contract_id, metric, period_end)
);

-- Social investors of a bond: what each committed, and their dated drawdowns and repayments
-- (their money, not the fund's: records for their returns, never ledger entries).
CREATE SEQUENCE pbr_investor_id START 1;
CREATE TABLE pbr_investor (
    investor_id INTEGER PRIMARY KEY DEFAULT nextval('pbr_investor_id'),
    contract_id INTEGER NOT NULL REFERENCES pbr_contract (contract_id),
    name        VARCHAR NOT NULL,
    committed   DECIMAL(18, 2) NOT NULL CHECK (committed > 0),
    created_by  INTEGER NOT NULL REFERENCES app_user (user_id),
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (contract_id, name)
);

CREATE SEQUENCE pbr_investor_flow_id START 1;
CREATE TABLE pbr_investor_flow (
    flow_id     INTEGER PRIMARY KEY DEFAULT nextval('pbr_investor_flow_id'),
    investor_id INTEGER NOT NULL REFERENCES pbr_investor (investor_id),
    kind        VARCHAR NOT NULL CHECK (kind IN ('drawdown', 'repayment')),
    amount      DECIMAL(18, 2) NOT NULL CHECK (amount > 0),
    flow_date   DATE NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES app_user (user_id),
    recorded_at TIMESTAMP NOT NULL
);

-- An outcome claim: so many outcomes of a metric, by a cohort (and, where the rate card caps
-- what one participant may earn, by one participant, named by a pseudonymous reference), in
-- a period within the contract's term, with the evidence behind it.
CREATE SEQUENCE pbr_claim_id START 1;
CREATE TABLE pbr_claim (
    claim_id     INTEGER PRIMARY KEY DEFAULT nextval('pbr_claim_id'),
    contract_id  INTEGER NOT NULL REFERENCES pbr_contract (contract_id),
    cohort       VARCHAR NOT NULL,
    metric       VARCHAR NOT NULL,
    participant  VARCHAR,
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL CHECK (period_end >= period_start),
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    evidence     VARCHAR NOT NULL,
    claimed_by   INTEGER NOT NULL REFERENCES app_user (user_id),
    claimed_at   TIMESTAMP NOT NULL
);

-- The verifier's decision on a claim (accepted, part-accepted or rejected, with the
-- quantity accepted), and any reversal of it: a row with the quantity negated that names the
-- decision it reverses. A claim's verified quantity is the sum of its rows.
CREATE SEQUENCE pbr_verification_id START 1;
CREATE TABLE pbr_verification (
    verification_id INTEGER PRIMARY KEY DEFAULT nextval('pbr_verification_id'),
    claim_id        INTEGER NOT NULL REFERENCES pbr_claim (claim_id),
    decision        VARCHAR NOT NULL
        CHECK (decision IN ('accepted', 'part_accepted', 'rejected', 'reversed')),
    quantity        INTEGER NOT NULL,
    reason          VARCHAR NOT NULL,
    verified_by     INTEGER NOT NULL REFERENCES app_user (user_id),
    verified_at     TIMESTAMP NOT NULL,
    reverses        INTEGER UNIQUE REFERENCES pbr_verification (verification_id)
);
CREATE INDEX pbr_verification_by_claim ON pbr_verification (claim_id);

-- Each claim's verified outcomes, priced by the rate card (nothing until verified).
CREATE VIEW pbr_outcome AS
SELECT c.claim_id, c.contract_id, c.cohort, c.metric, c.participant, c.period_end,
       sum(v.quantity) AS verified, sum(v.quantity) * r.unit_price AS value
FROM pbr_claim AS c
JOIN pbr_verification AS v USING (claim_id)
JOIN pbr_rate AS r USING (contract_id, metric)
GROUP BY c.claim_id, c.contract_id, c.cohort, c.metric, c.participant, c.period_end,
         r.unit_price;

-- What each verified outcome may earn once the most one participant may earn is applied:
-- a participant's outcomes earn in the order they were claimed until the cap is reached
-- (a claim with no participant, on a card with no such cap, earns in full).
CREATE VIEW pbr_outcome_within_participant AS
WITH running AS (
    SELECT o.claim_id, o.contract_id, o.metric, o.value, k.max_per_participant AS cap,
           sum(o.value) OVER (PARTITION BY o.contract_id, coalesce(o.participant, '#' || o.claim_id)
                              ORDER BY o.claim_id ROWS UNBOUNDED PRECEDING) AS upto
    FROM pbr_outcome AS o
    JOIN pbr_contract AS k USING (contract_id)
)
SELECT claim_id, contract_id, metric, value,
       CASE WHEN cap IS NULL THEN value
            ELSE greatest(least(upto, cap) - least(upto - value, cap), 0) END AS within
FROM running;

-- What each metric of a rate card has earned: its outcomes within the participant cap,
-- then within the metric's own cap. Both bounds hold for every outcome, so no payment can
-- pass either. Sums stay DECIMAL(38, 2) here: the commitment, applied where it is read,
-- bounds what is paid.
CREATE VIEW pbr_metric_earned AS
SELECT r.contract_id, r.metric, r.unit_price, r.cap,
       CAST(coalesce(sum(v.verified), 0) AS BIGINT) AS verified,
       CAST(coalesce(sum(o.value), 0) AS DECIMAL(38, 2)) AS uncapped,
       CAST(least(coalesce(sum(o.within), 0), coalesce(r.cap, coalesce(sum(o.within), 0)))
            AS DECIMAL(38, 2)) AS earned
FROM pbr_rate AS r
LEFT JOIN pbr_outcome_within_participant AS o USING (contract_id, metric)
LEFT JOIN pbr_outcome AS v USING (claim_id)
GROUP BY r.contract_id, r.metric, r.unit_price, r.cap;

-- What a contract's verified outcomes have earned within its rate card, with what each metric
-- has earned. The contract's overall cap is its commitment, applied where it is read.
CREATE VIEW pbr_card_earned AS
SELECT k.contract_id, k.commitment_id, k.name, sum(m.earned) AS earned,
       list({'metric': m.metric, 'earned': m.earned} ORDER BY m.metric) AS by_metric
FROM pbr_contract AS k
JOIN pbr_metric_earned AS m USING (contract_id)
GROUP BY k.contract_id, k.commitment_id, k.name;
