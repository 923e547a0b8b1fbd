-- Experiments move through the lifecycle with a reason each time; spreading is recorded by
-- its scaling route. Sign-in attempts are kept so that repeated failures lock a name for a while.

CREATE SEQUENCE lifecycle_move_id START 1;
CREATE TABLE lifecycle_move (
    move_id       INTEGER PRIMARY KEY DEFAULT nextval('lifecycle_move_id'),
    experiment_id INTEGER NOT NULL REFERENCES experiment (experiment_id),
    from_phase    SMALLINT NOT NULL CHECK (from_phase BETWEEN 0 AND 4),
    to_phase      SMALLINT NOT NULL CHECK (to_phase BETWEEN 0 AND 4),
    outcome       VARCHAR NOT NULL CHECK (outcome IN ('advanced', 'reversed', 'failed')),
    reason        VARCHAR NOT NULL,
    actor_id      INTEGER NOT NULL REFERENCES app_user (user_id),
    moved_at      TIMESTAMP NOT NULL
);

-- How an experiment spread; the newest row per experiment is its current route.
CREATE TABLE scaling_record (
    experiment_id INTEGER NOT NULL REFERENCES experiment (experiment_id),
    route         VARCHAR NOT NULL CHECK (route IN ('uncontrolled_diffusion', 'direct_diffusion',
                                                    'takeover', 'organisational_growth')),
    reason        VARCHAR NOT NULL,
    actor_id      INTEGER NOT NULL REFERENCES app_user (user_id),
    recorded_at   TIMESTAMP NOT NULL
);

CREATE TABLE sign_in_attempt (
    username     VARCHAR NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    succeeded    BOOLEAN NOT NULL
);

-- Facts about this database itself, e.g. that it holds the demo portfolio (whose sign-in
-- page may then show the demo passwords).
CREATE TABLE setting (
    name  VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
