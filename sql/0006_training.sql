-- Training: courses, sessions (scheduled → held → closed; scheduled → cancelled), attendance per participant,
-- certificates issued on close for each pass (revocable, with a reason), and the training requirements of calls
-- and of the tranche policy. The commands in RRFStore/FundStore+Training.swift enforce the rules and give the
-- sentences; constraint names are mapped to sentences in FundStore+Training.swift (trainingConstraintSentences).

CREATE TABLE training_courses (
    id              uuid        PRIMARY KEY,
    code            text        NOT NULL CONSTRAINT training_courses_code_key UNIQUE
                                CONSTRAINT training_courses_code_format CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{1,31}$'),
    title           text        NOT NULL CONSTRAINT training_courses_title_length CHECK (length(btrim(title)) BETWEEN 1 AND 300),
    description     text        NOT NULL DEFAULT '' CONSTRAINT training_courses_description_length CHECK (length(description) <= 5000),
    validity_months integer     NOT NULL CONSTRAINT training_courses_validity_range CHECK (validity_months BETWEEN 1 AND 240),
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE training_sessions (
    id            uuid        PRIMARY KEY,
    -- Shown as TS-<number>.
    number        integer     GENERATED ALWAYS AS IDENTITY CONSTRAINT training_sessions_number_key UNIQUE,
    course_id     uuid        NOT NULL REFERENCES training_courses (id),
    start_date    date        NOT NULL,
    end_date      date        NOT NULL,
    place         text        NOT NULL CONSTRAINT training_sessions_place_length CHECK (length(btrim(place)) BETWEEN 1 AND 300),
    trainer_id    uuid        NOT NULL REFERENCES users (id),
    capacity      integer     NOT NULL CONSTRAINT training_sessions_capacity_range CHECK (capacity BETWEEN 1 AND 1000),
    state         text        NOT NULL DEFAULT 'scheduled'
                              CONSTRAINT training_sessions_state_known CHECK (state IN ('scheduled', 'held', 'closed', 'cancelled')),
    cancel_reason text,
    version       integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT training_sessions_dates_ordered CHECK (end_date >= start_date),
    CONSTRAINT training_sessions_cancel_reason_present CHECK (
        (state = 'cancelled') = (length(btrim(coalesce(cancel_reason, ''))) > 0))
);
CREATE INDEX training_sessions_by_course ON training_sessions (course_id, start_date);

CREATE TABLE training_attendance (
    id              uuid          PRIMARY KEY,
    session_id      uuid          NOT NULL REFERENCES training_sessions (id),
    name            text          NOT NULL CONSTRAINT training_attendance_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    -- The name normalised (spaces collapsed, case and accents folded): with the organisation it identifies a person.
    name_key        text          NOT NULL,
    organisation_id uuid          NOT NULL REFERENCES organisations (id),
    role            text          NOT NULL DEFAULT '' CONSTRAINT training_attendance_role_length CHECK (length(role) <= 200),
    gender          text          NOT NULL DEFAULT '' CONSTRAINT training_attendance_gender_length CHECK (length(gender) <= 50),
    attended        boolean       NOT NULL,
    passed          boolean       NOT NULL,
    score           numeric(5, 2) CONSTRAINT training_attendance_score_range CHECK (score BETWEEN 0 AND 100),
    recorded_by     uuid          NOT NULL REFERENCES users (id),
    recorded_at     timestamptz   NOT NULL,
    CONSTRAINT training_attendance_person_key UNIQUE (session_id, organisation_id, name_key),
    CONSTRAINT training_attendance_pass_needs_attendance CHECK (attended OR NOT passed)
);
CREATE INDEX training_attendance_by_organisation ON training_attendance (organisation_id);

CREATE TABLE training_certificates (
    id                uuid        PRIMARY KEY,
    -- Shown as TC-<number>.
    number            integer     GENERATED ALWAYS AS IDENTITY CONSTRAINT training_certificates_number_key UNIQUE,
    attendance_id     uuid        NOT NULL CONSTRAINT training_certificates_attendance_key UNIQUE REFERENCES training_attendance (id),
    session_id        uuid        NOT NULL REFERENCES training_sessions (id),
    course_id         uuid        NOT NULL REFERENCES training_courses (id),
    organisation_id   uuid        NOT NULL REFERENCES organisations (id),
    holder_name       text        NOT NULL,
    holder_key        text        NOT NULL,
    issued_on         date        NOT NULL,
    -- The last day the certificate is valid (inclusive).
    valid_through     date        NOT NULL,
    revoked_at        timestamptz,
    revoked_by        uuid        REFERENCES users (id),
    revocation_reason text,
    CONSTRAINT training_certificates_validity_ordered CHECK (valid_through >= issued_on),
    CONSTRAINT training_certificates_revocation_complete CHECK (
        (revoked_at IS NULL) = (revoked_by IS NULL)
        AND (revoked_at IS NULL) = (length(btrim(coalesce(revocation_reason, ''))) = 0))
);
CREATE INDEX training_certificates_by_organisation ON training_certificates (organisation_id, course_id, valid_through);
CREATE INDEX training_certificates_by_expiry ON training_certificates (valid_through) WHERE revoked_at IS NULL;

-- A call requires that a submitting organisation has at least minimum_staff people with a valid certificate.
CREATE TABLE call_training_requirements (
    call_id       uuid    NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    course_id     uuid    NOT NULL REFERENCES training_courses (id),
    minimum_staff integer NOT NULL CONSTRAINT call_training_requirements_minimum_positive CHECK (minimum_staff BETWEEN 1 AND 1000),
    PRIMARY KEY (call_id, course_id)
);

-- The tranche policy's training condition, per risk rating of the organisation ('all' applies to every rating).
CREATE TABLE tranche_training_requirements (
    risk          text    NOT NULL CONSTRAINT tranche_training_requirements_risk_known CHECK (risk IN ('all', 'low', 'medium', 'high')),
    course_id     uuid    NOT NULL REFERENCES training_courses (id),
    minimum_staff integer NOT NULL CONSTRAINT tranche_training_requirements_minimum_positive CHECK (minimum_staff BETWEEN 1 AND 1000),
    PRIMARY KEY (risk, course_id)
);
