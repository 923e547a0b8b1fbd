-- Small grants (issue 14): the fund's front door, many small awards decided fast, and the
-- 360Giving files a grants team already keeps them in. A grant is made under an experiment
-- whose instrument is the small grant (the scheme it tests); its award is a commitment of
-- that experiment, so the ledger's invariants judge it as any other. Every table here
-- decides money and is declared in fund/audit_state.py; none is updated in place: a decision
-- is reconsidered by a reversing row, as ledger entries are.

-- How split awards know a recipient by name: lower-cased, apostrophes dropped, every other
-- run of characters but letters and digits one space, trimmed ("Hillside Tenants'
-- Association" and "hillside tenants association" are one recipient).
CREATE MACRO recipient_key(name) AS
    trim(regexp_replace(regexp_replace(lower(name), '[''’]', '', 'g'), '[^[:alnum:]]+', ' ', 'g'));

-- A ring-fence's small-grant policy: the range a small grant falls in, the most one fund
-- manager may award alone, the body's 360Giving identifier prefix and organisation
-- identifier, and how long after a grant's planned end its report is due. Never updated: a
-- new declaration is the next version, as a risk appetite is (``ringfence_id`` carries no
-- REFERENCES clause for the reason migration 0009 gives).
CREATE SEQUENCE grant_policy_id START 1;
CREATE TABLE grant_policy (
    policy_id       INTEGER PRIMARY KEY DEFAULT nextval('grant_policy_id'),
    ringfence_id    INTEGER NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1),
    min_amount      DECIMAL(18, 2) NOT NULL CHECK (min_amount > 0),
    max_amount      DECIMAL(18, 2) NOT NULL CHECK (max_amount >= min_amount),
    delegated_limit DECIMAL(18, 2) NOT NULL CHECK (delegated_limit >= 0),
    id_prefix       VARCHAR NOT NULL,
    funder_id       VARCHAR NOT NULL,
    report_days     INTEGER NOT NULL CHECK (report_days BETWEEN 1 AND 730),
    declared_by     INTEGER NOT NULL REFERENCES app_user (user_id),
    declared_at     TIMESTAMP NOT NULL,
    reason          VARCHAR NOT NULL,
    UNIQUE (ringfence_id, version)
);

-- A 360Giving file recorded as awards already made elsewhere: one import, one audited write.
-- When it holds grants above the delegated limit it waits as one approval request.
CREATE SEQUENCE grant_import_id START 1;
CREATE TABLE grant_import (
    import_id     INTEGER PRIMARY KEY DEFAULT nextval('grant_import_id'),
    experiment_id INTEGER NOT NULL REFERENCES experiment (experiment_id),
    file_name     VARCHAR NOT NULL,
    file_sha256   VARCHAR NOT NULL,
    grants        INTEGER NOT NULL CHECK (grants > 0),
    total         DECIMAL(18, 2) NOT NULL CHECK (total >= 0),
    report        VARCHAR NOT NULL,
    request_id    INTEGER UNIQUE REFERENCES approval_request (request_id),
    imported_by   INTEGER NOT NULL REFERENCES app_user (user_id),
    imported_at   TIMESTAMP NOT NULL
);

-- An application (or an award imported from a file): who asks, for what, how much, when.
-- ``identifier`` is the grant's 360Giving identifier, the key a re-import is matched on:
-- '360G-<prefix>-<grant_id>' for the fund's own, the file's for an imported one, whose
-- ``published`` keeps the grant as the file gave it (fields the standard does not define
-- included). ``recipient_key`` is the recipient's name as split awards know it.
-- ``import_id`` carries no REFERENCES clause: the import and its grants are written by one
-- service in one transaction, and audit verify names an import row deleted outside it.
CREATE SEQUENCE small_grant_id START 1;
CREATE TABLE small_grant (
    grant_id       INTEGER PRIMARY KEY DEFAULT nextval('small_grant_id'),
    experiment_id  INTEGER NOT NULL REFERENCES experiment (experiment_id),
    identifier     VARCHAR NOT NULL UNIQUE,
    applicant_type VARCHAR NOT NULL CHECK (applicant_type IN ('frontline_team',
        'service_user_group', 'community_organisation', 'social_enterprise', 'imported')),
    applicant      VARCHAR,
    recipient      VARCHAR NOT NULL,
    recipient_id   VARCHAR,
    recipient_key  VARCHAR NOT NULL,
    title          VARCHAR NOT NULL,
    purpose        VARCHAR NOT NULL,
    amount         DECIMAL(18, 2) NOT NULL CHECK (amount >= 0),
    planned_start  DATE,
    planned_end    DATE CHECK (planned_end >= planned_start),
    import_id      INTEGER,
    published      VARCHAR,
    applied_by     INTEGER NOT NULL REFERENCES app_user (user_id),
    applied_at     TIMESTAMP NOT NULL
);
CREATE INDEX small_grant_by_recipient ON small_grant (recipient_key);

-- Decisions on an application: an award (of an amount (£0.00 only for an award recorded
-- from a file, which some funders publish for a grant withdrawn: nothing is committed), with its report's due date, and the
-- approval request it waits on when a second fund manager must approve it), a decline with
-- its reason, or the reversal of an earlier decision, which names it. The live decision is
-- the latest not reversed.
CREATE SEQUENCE grant_decision_id START 1;
CREATE TABLE grant_decision (
    decision_id INTEGER PRIMARY KEY DEFAULT nextval('grant_decision_id'),
    grant_id    INTEGER NOT NULL REFERENCES small_grant (grant_id),
    decision    VARCHAR NOT NULL CHECK (decision IN ('award', 'decline', 'reversal')),
    amount      DECIMAL(18, 2) CHECK (amount >= 0),
    award_date  DATE,
    report_due  DATE,
    request_id  INTEGER UNIQUE REFERENCES approval_request (request_id),
    split_with  VARCHAR,
    reason      VARCHAR NOT NULL,
    decided_by  INTEGER NOT NULL REFERENCES app_user (user_id),
    decided_at  TIMESTAMP NOT NULL,
    reverses    INTEGER UNIQUE REFERENCES grant_decision (decision_id),
    CHECK ((decision = 'award') = (amount IS NOT NULL AND award_date IS NOT NULL))
);
CREATE INDEX grant_decision_by_grant ON grant_decision (grant_id);

-- The commitment an award made: at once, or when a second fund manager approved it.
CREATE TABLE grant_commitment (
    decision_id   INTEGER PRIMARY KEY REFERENCES grant_decision (decision_id),
    commitment_id INTEGER NOT NULL UNIQUE REFERENCES commitment (commitment_id)
);

-- The end-of-grant report: what was done, what was learned, the money spent.
CREATE TABLE grant_report (
    grant_id    INTEGER PRIMARY KEY REFERENCES small_grant (grant_id),
    what_done   VARCHAR NOT NULL,
    learned     VARCHAR NOT NULL,
    spent       DECIMAL(18, 2) NOT NULL CHECK (spent >= 0),
    reported_by INTEGER NOT NULL REFERENCES app_user (user_id),
    reported_at TIMESTAMP NOT NULL
);

-- A grant closed once reported; what it left unpaid is decommitted in the same write.
CREATE TABLE grant_closure (
    grant_id  INTEGER PRIMARY KEY REFERENCES small_grant (grant_id),
    closed_by INTEGER NOT NULL REFERENCES app_user (user_id),
    closed_at TIMESTAMP NOT NULL,
    reason    VARCHAR NOT NULL
);

-- Each application's live decision: the latest decision not reversed, with the approval
-- request it waits on (its own, or its import's) and the commitment it made (NULL while it
-- waits for approval, or when the approver rejected it).
CREATE VIEW grant_live_decision AS
SELECT d.grant_id, d.decision_id, d.decision, d.amount, d.award_date, d.report_due,
       coalesce(d.request_id, i.request_id) AS request_id, d.split_with, d.reason,
       d.decided_by, d.decided_at, gc.commitment_id, q.approved AS request_approved
FROM grant_decision AS d
JOIN small_grant AS g USING (grant_id)
LEFT JOIN grant_import AS i ON i.import_id = g.import_id
LEFT JOIN grant_commitment AS gc USING (decision_id)
LEFT JOIN approval_decision AS q ON q.request_id = coalesce(d.request_id, i.request_id)
WHERE d.decision <> 'reversal'
  AND NOT EXISTS (SELECT 1 FROM grant_decision AS r WHERE r.reverses = d.decision_id)
QUALIFY row_number() OVER (PARTITION BY d.grant_id ORDER BY d.decision_id DESC) = 1;
