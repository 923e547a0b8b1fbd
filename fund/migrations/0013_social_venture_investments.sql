-- Social venture investments (issue 16): a loan, equity stake or recoverable grant made on a
-- commitment of an experiment whose instrument is the social venture investment. Money moves
-- only on the ledger (a drawdown is a disbursement, a repayment or distribution a recovery, a
-- loss a write-off); these tables hold the terms, a loan's schedule and the valuations, the
-- records a venture's metrics are read from. Every table is declared in fund/audit_state.py
-- and written only through the audited write path; none is updated in place.

-- The terms of one investment. A loan has its principal, interest rate and repayment
-- schedule (instalments every so many months after any grace period); equity its stake. The
-- follow-on reserve is money set aside for later rounds: shown apart from what is committed,
-- never a ledger entry.
CREATE TABLE venture_terms (
    commitment_id     INTEGER PRIMARY KEY REFERENCES commitment (commitment_id),
    investment_type   VARCHAR NOT NULL
                      CHECK (investment_type IN ('loan', 'equity', 'recoverable_grant')),
    principal         DECIMAL(18,2) CHECK (principal > 0),
    interest_rate     DECIMAL(7,4) CHECK (interest_rate >= 0 AND interest_rate < 100),
    starts_on         DATE,
    grace_months      INTEGER CHECK (grace_months >= 0),
    instalments       INTEGER CHECK (instalments > 0),
    every_months      INTEGER CHECK (every_months IN (1, 3, 6, 12)),
    stake             DECIMAL(7,4) CHECK (stake > 0 AND stake <= 100),
    follow_on_reserve DECIMAL(18,2) NOT NULL CHECK (follow_on_reserve >= 0),
    recorded_by       INTEGER NOT NULL REFERENCES app_user (user_id),
    recorded_at       TIMESTAMP NOT NULL,
    reason            VARCHAR NOT NULL,
    CHECK ((investment_type = 'loan') = (principal IS NOT NULL AND interest_rate IS NOT NULL
           AND starts_on IS NOT NULL AND grace_months IS NOT NULL AND instalments IS NOT NULL
           AND every_months IS NOT NULL)),
    CHECK (investment_type = 'equity' OR stake IS NULL)
);

-- A loan's repayment schedule, made from its terms when they are recorded: each instalment's
-- due date, and the principal and interest it repays (exact pence; the last instalment
-- takes what rounding left, so the principal is repaid exactly).
CREATE TABLE loan_instalment (
    commitment_id INTEGER NOT NULL REFERENCES venture_terms (commitment_id),
    number        INTEGER NOT NULL CHECK (number > 0),
    due_on        DATE NOT NULL,
    principal     DECIMAL(18,2) NOT NULL CHECK (principal >= 0),
    interest      DECIMAL(18,2) NOT NULL CHECK (interest >= 0),
    PRIMARY KEY (commitment_id, number)
);

-- What an investment is worth on a day, on a stated basis. A record, not a ledger entry: the
-- residual value of the venture metrics. Written off means worth nothing.
CREATE SEQUENCE valuation_id START 1;
CREATE TABLE venture_valuation (
    valuation_id  INTEGER PRIMARY KEY DEFAULT nextval('valuation_id'),
    commitment_id INTEGER NOT NULL REFERENCES venture_terms (commitment_id),
    valued_on     DATE NOT NULL,
    value         DECIMAL(18,2) NOT NULL CHECK (value >= 0),
    basis         VARCHAR NOT NULL
                  CHECK (basis IN ('cost', 'last_round', 'written_down', 'written_off')),
    recorded_by   INTEGER NOT NULL REFERENCES app_user (user_id),
    recorded_at   TIMESTAMP NOT NULL,
    reason        VARCHAR NOT NULL,
    CHECK (basis <> 'written_off' OR value = 0)
);
