-- Impact maps: each experiment's SROI assumptions, versioned. Every save is a new version
-- through the audited write path (declared in fund/audit_state.py), so a report can name the
-- version it used and an old version can still be recomputed exactly as it was saved.

CREATE SEQUENCE impact_map_id START 1;
CREATE TABLE impact_map (
    map_id                  INTEGER PRIMARY KEY DEFAULT nextval('impact_map_id'),
    experiment_id           INTEGER NOT NULL REFERENCES experiment (experiment_id),
    version                 INTEGER NOT NULL CHECK (version >= 1),
    price_year              VARCHAR NOT NULL,        -- the prices its proxies are stated in
    schedule                VARCHAR NOT NULL,        -- a named discount schedule, or 'flat'
    schedule_effective_from DATE,                    -- which edition of a named schedule
    flat_rate               DECIMAL(8, 6),
    first_year_discounted   BOOLEAN NOT NULL,
    -- What the outcomes are worth whatever the inputs, computed once when saved with the
    -- edition above (a version never changes): the position sums these in one query rather
    -- than recomputing every map. ``gaps`` counts unjustified deductions and unsourced proxies.
    present_value           DECIMAL(18, 2) NOT NULL,
    first_year_value        DECIMAL(18, 2) NOT NULL,
    gaps                    INTEGER NOT NULL CHECK (gaps >= 0),
    saved_by                INTEGER NOT NULL REFERENCES app_user (user_id),
    saved_at                TIMESTAMP NOT NULL,
    reason                  VARCHAR NOT NULL,
    UNIQUE (experiment_id, version),
    CHECK ((schedule = 'flat') = (flat_rate IS NOT NULL)),
    CHECK ((schedule = 'flat') = (schedule_effective_from IS NULL))
);

-- One row of an impact map: a change for a stakeholder, counted and valued. A deduction's
-- justification is one line; NULL means none was given (the map is then incomplete).
-- ``ranges`` is the JSON of the sensitivity ranges the map gives (the file format's).
-- ``map_id`` names its map without a foreign key, as a programme names its ring-fence: the
-- rows are written only by the service, and ``fund audit verify`` names a map deleted, or
-- an outcome added, outside it.
CREATE TABLE impact_outcome (
    map_id               INTEGER NOT NULL,
    position             INTEGER NOT NULL CHECK (position >= 0),
    stakeholder          VARCHAR NOT NULL,
    outcome              VARCHAR NOT NULL,
    indicator            VARCHAR NOT NULL,
    quantity             DECIMAL(18, 4) NOT NULL CHECK (quantity >= 0),
    proxy                DECIMAL(18, 2) NOT NULL,
    proxy_code           VARCHAR,
    proxy_source         VARCHAR,
    duration_years       INTEGER NOT NULL CHECK (duration_years BETWEEN 1 AND 100),
    start_year           INTEGER NOT NULL CHECK (start_year IN (1, 2)),
    deadweight           DECIMAL(7, 6) NOT NULL CHECK (deadweight BETWEEN 0 AND 1),
    displacement         DECIMAL(7, 6) NOT NULL CHECK (displacement BETWEEN 0 AND 1),
    attribution          DECIMAL(7, 6) NOT NULL CHECK (attribution BETWEEN 0 AND 1),
    drop_off             DECIMAL(7, 6) NOT NULL CHECK (drop_off BETWEEN 0 AND 1),
    deadweight_why       VARCHAR,
    displacement_why     VARCHAR,
    attribution_why      VARCHAR,
    drop_off_why         VARCHAR,
    ranges               VARCHAR,
    PRIMARY KEY (map_id, position)
);
