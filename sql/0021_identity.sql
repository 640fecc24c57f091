-- Issue 14: who a person is. Passwords (bcrypt), time-based one-time passwords with recovery codes, sign-in
-- back-off and lock-out, single-use invitation and password-reset links, sessions and API tokens, and the
-- security log of every refusal. Secrets are stored only as hashes, except the one-time-password seed, which
-- the server needs to check a code.

CREATE TABLE user_credentials (
    user_id          uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    password_hash    text,
    password_set_at  timestamptz,
    -- Base32 seed of RFC 6238 codes; enrolled_at is set once the person proved their app with a first code.
    totp_secret      text,
    totp_enrolled_at timestamptz,
    -- The last time step a code was accepted for: a code is never accepted twice.
    totp_last_step   bigint,
    failed_attempts  integer     NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    lockouts         integer     NOT NULL DEFAULT 0 CHECK (lockouts >= 0),
    locked_until     timestamptz,
    CONSTRAINT user_credentials_enrolment_has_secret CHECK (totp_enrolled_at IS NULL OR totp_secret IS NOT NULL)
);

-- One-time links delivered by the outbox: an invitation to set a first password, or a password reset.
CREATE TABLE credential_links (
    id         uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text        NOT NULL CONSTRAINT credential_links_purpose_known CHECK (purpose IN ('invitation', 'password_reset')),
    token_hash bytea       NOT NULL CONSTRAINT credential_links_token_key UNIQUE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CONSTRAINT credential_links_expiry_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX credential_links_by_user ON credential_links (user_id) WHERE used_at IS NULL;

-- Sessions (web) and API tokens (CLI, scripts): only the SHA-256 of the token is kept.
CREATE TABLE access_tokens (
    id             uuid        PRIMARY KEY,
    user_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind           text        NOT NULL CONSTRAINT access_tokens_kind_known CHECK (kind IN ('session', 'api')),
    label          text        NOT NULL CHECK (length(btrim(label)) BETWEEN 1 AND 100),
    source         text        NOT NULL CONSTRAINT access_tokens_source_known CHECK (source IN ('cli', 'web', 'api')),
    token_hash     bytea       NOT NULL CONSTRAINT access_tokens_token_key UNIQUE,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    last_used_at   timestamptz,
    revoked_at     timestamptz,
    revoked_reason text,
    CONSTRAINT access_tokens_expiry_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX access_tokens_live_by_user ON access_tokens (user_id) WHERE revoked_at IS NULL;

-- Recovery codes for a lost one-time-password app: SHA-256 of each, single use.
CREATE TABLE recovery_codes (
    user_id   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea       NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Every refusal: failed sign-ins, authorisation refusals and rule refusals, with where they came from.
CREATE TABLE security_events (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at  timestamptz NOT NULL,
    actor        text,
    on_behalf_of text,
    command      text        NOT NULL,
    target       text,
    kind         text        NOT NULL CONSTRAINT security_events_kind_known CHECK (kind IN ('sign_in', 'authorisation', 'rule')),
    code         text        NOT NULL,
    reason       text        NOT NULL,
    source       text        NOT NULL CONSTRAINT security_events_source_known CHECK (source IN ('cli', 'web', 'api', 'daemon'))
);
CREATE INDEX security_events_by_time ON security_events (occurred_at DESC);
CREATE INDEX security_events_by_actor ON security_events (actor, occurred_at DESC);
