-- The reference data every SROI ratio rests on: the proxy library, the GDP deflator that
-- restates proxies to a report's price year, and the discount schedules. The finish step
-- (fund.sroi.reference:seed) loads them from ../shared in this migration's transaction and
-- records their state in one audit row, so that `fund audit verify` names any later edit.

-- The proxy library: what an outcome is worth, per unit, at the price year its source
-- gives, with that source and its licence. Seeded with the 674 unit costs of the GMCA Unit
-- Cost Database v1.4 (added_by NULL); fund managers add their own (codes U1, U2, …).
-- Proxies are only ever added. added_by names the user without a REFERENCES clause, as
-- experiments name their programme: the service takes it from the signed-in user.
CREATE SEQUENCE proxy_id START 1;
CREATE TABLE proxy (
    proxy_id    INTEGER PRIMARY KEY DEFAULT nextval('proxy_id'),
    code        VARCHAR NOT NULL UNIQUE,
    category    VARCHAR NOT NULL,
    description VARCHAR NOT NULL,
    unit        VARCHAR NOT NULL,
    value       DECIMAL(18,2) NOT NULL,
    agency      VARCHAR,
    price_year  VARCHAR NOT NULL,  -- '2013/14' (a financial year) or '2013' (a calendar year)
    source      VARCHAR NOT NULL,
    licence     VARCHAR NOT NULL,
    added_by    INTEGER,           -- NULL: loaded with the library by this migration
    added_at    TIMESTAMP NOT NULL
);

-- A price index by period, as published: ONS series YBGB (GDP implied deflator, 2022 = 100)
-- with annual periods ('2013') and quarterly ones ('2013 Q2'). A financial year's index is
-- the mean of its four quarters, worked out when it is read (fund/sroi/deflator.py).
CREATE TABLE deflator_index (
    series VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    value  DECIMAL(12,4) NOT NULL CHECK (value > 0),
    PRIMARY KEY (series, period)
);

-- A discount schedule as it stood from the day it took effect: a revised Treasury schedule
-- is a new row with a later effective_from, so a report made before it can be recomputed
-- as it was.
CREATE SEQUENCE discount_schedule_id START 1;
CREATE TABLE discount_schedule (
    schedule_id    INTEGER PRIMARY KEY DEFAULT nextval('discount_schedule_id'),
    name           VARCHAR NOT NULL,
    effective_from DATE NOT NULL,
    source         VARCHAR NOT NULL,
    UNIQUE (name, effective_from)
);

-- The bands of years of a schedule, each at one rate; year_to NULL: without end. The
-- schedule is named without a REFERENCES clause, as programmes name their ring-fence; only
-- this migration writes either table.
CREATE TABLE discount_band (
    schedule_id INTEGER NOT NULL,
    year_from   INTEGER NOT NULL CHECK (year_from >= 0),
    year_to     INTEGER CHECK (year_to >= year_from),
    rate        DECIMAL(8,6) NOT NULL,
    PRIMARY KEY (schedule_id, year_from)
);
