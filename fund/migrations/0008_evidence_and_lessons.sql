-- Evidence and lessons (issue 11): the evaluation plan registered before money, the results
-- measured and their effect estimate, a fund manager's override of a derived verdict, the
-- lesson, and the closing of an experiment. Every row is written through the audited write
-- path (declared in fund/audit_state.py); none is ever updated: a change is a new version.

-- An experiment's evaluation plan, one row per version. ``after_commitment`` says the version
-- was made once money was committed (the plan was frozen then): the *registered* version is
-- the last one made before, and every report shows it beside any later one, so a target
-- cannot drift to fit the results. A small grant may leave everything after the metric empty.
CREATE SEQUENCE evaluation_plan_id START 1;
CREATE TABLE evaluation_plan (
    plan_id          INTEGER PRIMARY KEY DEFAULT nextval('evaluation_plan_id'),
    experiment_id    INTEGER NOT NULL REFERENCES experiment (experiment_id),
    version          INTEGER NOT NULL CHECK (version >= 1),
    hypothesis       VARCHAR NOT NULL,
    metric           VARCHAR NOT NULL,
    metric_unit      VARCHAR NOT NULL,
    higher_is_better BOOLEAN NOT NULL,
    baseline         DECIMAL(18, 4),
    target_effect    DECIMAL(18, 4) CHECK (target_effect > 0),
    design           VARCHAR NOT NULL
        CHECK (design IN ('none', 'before-after', 'two-group', 'randomised', 'did')),
    planned_sample   INTEGER CHECK (planned_sample > 0),
    review_date      DATE,
    kill_threshold   DECIMAL(18, 4),
    kill_by          DATE,
    after_commitment BOOLEAN NOT NULL,
    registered_by    INTEGER NOT NULL REFERENCES app_user (user_id),
    registered_at    TIMESTAMP NOT NULL,
    reason           VARCHAR NOT NULL,
    UNIQUE (experiment_id, version),
    CHECK ((kill_threshold IS NULL) = (kill_by IS NULL))
);

-- Results recorded against an experiment's primary metric, from a file of observations or a
-- summary per cell, with the estimate the plan's design gives (derived when recorded, by the
-- statsmodels and scipy methods of fund/evidence/estimate.py, and recorded so that a verdict
-- can be shown without recomputing every experiment). ``plan_id`` is the registered version
-- the results were judged against. ``evaluator`` names an independent evaluator whose results
-- these are (a confirmation, Nesta level 4). Estimates are analytics: floats, never money.
CREATE SEQUENCE result_set_id START 1;
CREATE TABLE result_set (
    result_id         INTEGER PRIMARY KEY DEFAULT nextval('result_set_id'),
    experiment_id     INTEGER NOT NULL REFERENCES experiment (experiment_id),
    plan_id           INTEGER NOT NULL REFERENCES evaluation_plan (plan_id),
    source            VARCHAR NOT NULL CHECK (source IN ('file', 'summary')),
    file_sha256       VARCHAR,
    design            VARCHAR NOT NULL
        CHECK (design IN ('before-after', 'two-group', 'randomised', 'did')),
    method            VARCHAR NOT NULL,
    effect            DOUBLE NOT NULL,
    std_error         DOUBLE NOT NULL,
    ci_low            DOUBLE NOT NULL,
    ci_high           DOUBLE NOT NULL,
    n                 INTEGER NOT NULL CHECK (n >= 2),
    treated_post_mean DOUBLE NOT NULL,  -- what the kill criteria's threshold is judged on
    evaluator         VARCHAR,
    recorded_by       INTEGER NOT NULL REFERENCES app_user (user_id),
    recorded_at       TIMESTAMP NOT NULL,
    reason            VARCHAR NOT NULL,
    CHECK ((source = 'file') = (file_sha256 IS NOT NULL))
);

-- The observations of a results file, one per row of the file (``file_row`` as a spreadsheet
-- numbers it). ``result_id`` names its result set without a foreign key, as an impact map's
-- outcomes do: only the service writes them, and ``fund audit verify`` names any change.
CREATE TABLE result_observation (
    result_id INTEGER NOT NULL,
    file_row  INTEGER NOT NULL,
    unit      VARCHAR,
    treated   BOOLEAN NOT NULL,
    period    VARCHAR NOT NULL,
    post      BOOLEAN NOT NULL,
    value     DOUBLE NOT NULL,
    PRIMARY KEY (result_id, file_row)
);

-- Results entered as a summary: n, mean and standard deviation per group and period.
CREATE TABLE result_cell (
    result_id INTEGER NOT NULL,
    treated   BOOLEAN NOT NULL,
    post      BOOLEAN NOT NULL,
    n         INTEGER NOT NULL CHECK (n >= 2),
    mean      DOUBLE NOT NULL,
    sd        DOUBLE NOT NULL CHECK (sd >= 0),
    PRIMARY KEY (result_id, treated, post)
);

-- A fund manager's verdict in place of the derived one, for one result set, with a reason.
-- Both are shown everywhere; results recorded later are judged afresh.
CREATE SEQUENCE verdict_override_id START 1;
CREATE TABLE verdict_override (
    override_id   INTEGER PRIMARY KEY DEFAULT nextval('verdict_override_id'),
    experiment_id INTEGER NOT NULL REFERENCES experiment (experiment_id),
    result_id     INTEGER NOT NULL REFERENCES result_set (result_id),
    derived       VARCHAR NOT NULL CHECK (derived IN ('scale', 'adapt', 'stop', 'inconclusive')),
    verdict       VARCHAR NOT NULL CHECK (verdict IN ('scale', 'adapt', 'stop', 'inconclusive')),
    decided_by    INTEGER NOT NULL REFERENCES app_user (user_id),
    decided_at    TIMESTAMP NOT NULL,
    reason        VARCHAR NOT NULL
);

-- The lesson of an experiment, one row per version (a lesson is revised, never edited).
CREATE SEQUENCE lesson_id START 1;
CREATE TABLE lesson (
    lesson_id      INTEGER PRIMARY KEY DEFAULT nextval('lesson_id'),
    experiment_id  INTEGER NOT NULL REFERENCES experiment (experiment_id),
    version        INTEGER NOT NULL CHECK (version >= 1),
    what_worked    VARCHAR NOT NULL,
    what_did_not   VARCHAR NOT NULL,
    do_differently VARCHAR NOT NULL,
    transfers_to   VARCHAR NOT NULL,
    tags           VARCHAR[] NOT NULL,
    scaling_route  VARCHAR CHECK (scaling_route IN ('uncontrolled_diffusion', 'direct_diffusion',
                                                    'takeover', 'organisational_growth')),
    recorded_by    INTEGER NOT NULL REFERENCES app_user (user_id),
    recorded_at    TIMESTAMP NOT NULL,
    reason         VARCHAR NOT NULL,
    UNIQUE (experiment_id, version)
);

-- An experiment closed: only with a lesson and no open commitments. Once closed it takes no
-- new commitment.
CREATE TABLE experiment_closure (
    experiment_id INTEGER PRIMARY KEY REFERENCES experiment (experiment_id),
    lesson_id     INTEGER NOT NULL REFERENCES lesson (lesson_id),
    closed_by     INTEGER NOT NULL REFERENCES app_user (user_id),
    closed_at     TIMESTAMP NOT NULL,
    reason        VARCHAR NOT NULL
);
