-- Experimental zones (issue 15): an area where an idea is tested with national rules
-- suspended. A zone sits on one commitment (its budget) of an experiment whose instrument is
-- the experimental zone; its comparison areas are what its effect is measured against; its
-- waiver register lists every rule suspended, each limited in time. Every table here is
-- declared in fund/audit_state.py and written only through the audited write path; none is
-- ever updated in place: a waiver's grant, revocation or making permanent is a decision row,
-- and a renewal is a new waiver that names the one it renews.

CREATE SEQUENCE zone_id START 1;
CREATE TABLE zone (
    zone_id       INTEGER PRIMARY KEY DEFAULT nextval('zone_id'),
    commitment_id INTEGER NOT NULL UNIQUE REFERENCES commitment (commitment_id),
    area_name     VARCHAR NOT NULL,
    area_code     VARCHAR NOT NULL CHECK (regexp_full_match(area_code, '[EKNSW][0-9]{8}')),
    starts_on     DATE NOT NULL,
    ends_on       DATE NOT NULL CHECK (ends_on > starts_on),
    official      VARCHAR NOT NULL,  -- the accountable official
    created_by    INTEGER NOT NULL REFERENCES app_user (user_id),
    created_at    TIMESTAMP NOT NULL,
    reason        VARCHAR NOT NULL
);

-- The areas a zone's outcomes are compared with (a difference in differences needs one).
CREATE TABLE zone_comparison (
    zone_id   INTEGER NOT NULL REFERENCES zone (zone_id),
    area_code VARCHAR NOT NULL CHECK (regexp_full_match(area_code, '[EKNSW][0-9]{8}')),
    area_name VARCHAR NOT NULL,
    added_by  INTEGER NOT NULL REFERENCES app_user (user_id),
    added_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (zone_id, area_code)
);

-- A rule suspended in a zone: where it comes from, the legal basis for suspending it, whom
-- it covers, and when the waiver ends (always: a waiver without an expiry is refused).
-- ``renews`` names the waiver a renewal follows; a waiver is renewed at most once.
CREATE SEQUENCE waiver_id START 1;
CREATE TABLE waiver (
    waiver_id   INTEGER PRIMARY KEY DEFAULT nextval('waiver_id'),
    zone_id     INTEGER NOT NULL REFERENCES zone (zone_id),
    rule        VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,  -- the legislation or guidance the rule comes from
    legal_basis VARCHAR NOT NULL,  -- the power under which it is suspended
    scope       VARCHAR NOT NULL,  -- the whole zone, or a client group in it
    expires_on  DATE NOT NULL,
    renews      INTEGER UNIQUE REFERENCES waiver (waiver_id),
    recorded_by INTEGER NOT NULL REFERENCES app_user (user_id),
    recorded_at TIMESTAMP NOT NULL,
    reason      VARCHAR NOT NULL
);

-- What became of a waiver: granted (by whom and on what day), revoked, or made permanent
-- (the rule changed for everyone). A waiver with no decision is requested; a granted one
-- past its expiry is expired. Statuses are derived from these rows, never stored.
CREATE SEQUENCE waiver_decision_id START 1;
CREATE TABLE waiver_decision (
    decision_id INTEGER PRIMARY KEY DEFAULT nextval('waiver_decision_id'),
    waiver_id   INTEGER NOT NULL REFERENCES waiver (waiver_id),
    decision    VARCHAR NOT NULL CHECK (decision IN ('granted', 'revoked', 'made_permanent')),
    authority   VARCHAR NOT NULL,  -- who granted, revoked or made it permanent
    decided_on  DATE NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES app_user (user_id),
    recorded_at TIMESTAMP NOT NULL,
    reason      VARCHAR NOT NULL,
    UNIQUE (waiver_id, decision)
);

-- A zone's outcome series as uploaded: the primary metric per area and period, beside the
-- result set (fund/evidence) its effect was estimated into. ``period_start`` is the first
-- day of the period, which says whether it is before or after the zone's start.
CREATE TABLE zone_outcome (
    result_id    INTEGER NOT NULL REFERENCES result_set (result_id),
    zone_id      INTEGER NOT NULL REFERENCES zone (zone_id),
    file_row     INTEGER NOT NULL,
    area_code    VARCHAR NOT NULL,
    period       VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    value        DOUBLE NOT NULL,
    PRIMARY KEY (result_id, file_row)
);
