-- Gatehouse's records on PostgreSQL: one table per record kind, as the
-- embedded store has one tree per kind. `record` holds the record in the
-- store's own codec (src/store/codec.rs: a version byte, then the body),
-- exactly the bytes sled keeps, so secrets stay digests and a migration
-- from sled copies values unchanged. The other columns are the keys and
-- indexes the store's operations look records up by, and `expires_at`
-- (Unix seconds) for the sweeper. Plain SQL that CockroachDB accepts too.

CREATE TABLE clients (
    client_id TEXT PRIMARY KEY,
    record BYTEA NOT NULL
);

-- User ids are never reused (they are the OpenID `sub`).
CREATE SEQUENCE user_ids START WITH 1;

CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    record BYTEA NOT NULL
);

-- Every username ever taken, in lower case, live or deleted: a deleted
-- account's name stays here, so nobody else ever gets it.
CREATE TABLE usernames (
    username TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL
);

CREATE TABLE retired_users (
    id BIGINT PRIMARY KEY,
    record BYTEA NOT NULL
);

CREATE TABLE scopes (
    name TEXT PRIMARY KEY,
    record BYTEA NOT NULL
);

CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Access and refresh tokens under the SHA-256 of the token.
CREATE TABLE tokens (
    digest BYTEA PRIMARY KEY,
    grant_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_id BIGINT,
    expires_at BIGINT,
    record BYTEA NOT NULL
);
CREATE INDEX tokens_by_grant ON tokens (grant_id);
CREATE INDEX tokens_by_user ON tokens (user_id, client_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);

CREATE TABLE sessions (
    digest BYTEA PRIMARY KEY,
    user_id BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    record BYTEA NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE codes (
    digest BYTEA PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    record BYTEA NOT NULL
);
CREATE INDEX codes_by_expiry ON codes (expires_at);

CREATE TABLE consents (
    user_id BIGINT NOT NULL,
    client_id TEXT NOT NULL,
    record BYTEA NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    record BYTEA NOT NULL
);

CREATE TABLE devices (
    digest BYTEA PRIMARY KEY,
    user_code BYTEA NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL,
    record BYTEA NOT NULL
);
CREATE INDEX devices_by_expiry ON devices (expires_at);

CREATE TABLE initial_tokens (
    digest BYTEA PRIMARY KEY,
    expires_at BIGINT,
    record BYTEA NOT NULL
);

CREATE TABLE invites (
    digest BYTEA PRIMARY KEY,
    expires_at BIGINT,
    record BYTEA NOT NULL
);

CREATE TABLE resets (
    digest BYTEA PRIMARY KEY,
    user_id BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    record BYTEA NOT NULL
);
CREATE INDEX resets_by_expiry ON resets (expires_at);

CREATE TABLE login_requests (
    digest BYTEA PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    record BYTEA NOT NULL
);
CREATE INDEX login_requests_by_expiry ON login_requests (expires_at);

CREATE TABLE login_codes (
    digest BYTEA PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    record BYTEA NOT NULL
);
CREATE INDEX login_codes_by_expiry ON login_codes (expires_at);

-- The audit trail in the order it was written.
CREATE TABLE audit (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    record BYTEA NOT NULL
);
CREATE SEQUENCE audit_seq START WITH 1;
CREATE INDEX audit_by_time ON audit (at);

CREATE TABLE factors (
    user_id BIGINT PRIMARY KEY,
    record BYTEA NOT NULL
);

CREATE TABLE groups (
    name TEXT PRIMARY KEY,
    record BYTEA NOT NULL
);

CREATE TABLE pending_sign_ins (
    digest BYTEA PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    record BYTEA NOT NULL
);
CREATE INDEX pending_sign_ins_by_expiry ON pending_sign_ins (expires_at);

CREATE TABLE email_verifications (
    digest BYTEA PRIMARY KEY,
    user_id BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    record BYTEA NOT NULL
);
CREATE INDEX email_verifications_by_expiry ON email_verifications (expires_at);

CREATE TABLE passkey_ceremonies (
    digest BYTEA PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    record BYTEA NOT NULL
);
CREATE INDEX passkey_ceremonies_by_expiry ON passkey_ceremonies (expires_at);

CREATE TABLE passkey_credentials (
    credential_id BYTEA PRIMARY KEY,
    user_id BIGINT NOT NULL
);

CREATE TABLE passkey_handles (
    user_id BIGINT PRIMARY KEY,
    handle BYTEA NOT NULL
);

CREATE TABLE upstream_pending (
    digest BYTEA PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    record BYTEA NOT NULL
);
CREATE INDEX upstream_pending_by_expiry ON upstream_pending (expires_at);

CREATE TABLE upstream_links (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    record BYTEA NOT NULL,
    PRIMARY KEY (provider, subject),
    UNIQUE (user_id, provider)
);

-- Sign-in throttling shared by every instance: failures per key (an
-- account or an address) in the current window, and any lock.
CREATE TABLE throttle (
    key TEXT PRIMARY KEY,
    failures INT NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);
