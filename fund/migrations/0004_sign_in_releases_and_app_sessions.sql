-- Two records that decide who may act, both audited (declared in fund/audit_state.py):
-- lock-outs lifted by an admin, and the app's signed-in sessions.

-- A lock-out lifted (by an admin's unlock or a password reset): the name's failed sign-ins
-- before it no longer count. Append-only; a name's rows are recorded as one group.
CREATE TABLE sign_in_release (
    username    VARCHAR NOT NULL,
    released_at TIMESTAMP NOT NULL,
    actor_id    INTEGER NOT NULL REFERENCES app_user (user_id)
);

-- A person signed in to the app. The browser keeps a random token in a cookie; only the
-- token's sha256 is stored, so the table alone cannot be used to sign in. A session works
-- until it expires or ends (sign-out, a password reset, deactivation), and only while its
-- user is active.
CREATE SEQUENCE app_session_id START 1;
CREATE TABLE app_session (
    session_id   INTEGER PRIMARY KEY DEFAULT nextval('app_session_id'),
    token_sha256 VARCHAR NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES app_user (user_id),
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    ended_at     TIMESTAMP,
    CHECK (expires_at > created_at)
);
