-- Grants, tranches, reports and the double-entry ledger of the fund.
--
-- Money flow (integer minor units, one currency per account; every ledger transaction sums to zero per currency):
--   deposit      donor:<DONOR>:<CUR>      -X   envelope:<CALL>:<cluster>  +X   (donor funding straight into a call's envelope)
--   commit       envelope:<CALL>:<cluster> -X  committed:<REF>            +X   (proposal approval, same transaction)
--   release      committed:<REF>          -X   released:<REF>             +X   (a tranche paid to the partner)
--   decommit     committed:<REF>          -X   envelope:<CALL>:<cluster>  +X   (termination / closure: what was not released)
--   refund       released:<REF>           -X   refunds:<CUR>              +X   (closure: released but not spent)
-- `released:<REF>` is the partner's account for that grant (organisation_id is set on it).
--
-- The ledger is the source of truth for money. `call_envelopes.amount_minor` stays the planned envelope (a ceiling set
-- with the call) and `call_envelopes.committed_minor` a mirror of the ledger's net commitments (commit − decommit)
-- for the envelope, written in the same transaction as the ledger movement; FundStore.verifyLedger() checks the two
-- agree. An approval needs both: room in the planned envelope AND deposited money in the envelope account.

CREATE TABLE ledger_accounts (
    id              bigserial   PRIMARY KEY,
    code            text        NOT NULL CONSTRAINT ledger_accounts_code_key UNIQUE,
    kind            text        NOT NULL CONSTRAINT ledger_accounts_kind_known CHECK (
        kind IN ('donor', 'envelope', 'committed', 'released', 'refunds')),
    currency        char(3)     NOT NULL CONSTRAINT ledger_accounts_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    donor           text,
    call_id         uuid        REFERENCES calls (id),
    cluster         text,
    proposal_id     uuid        REFERENCES proposals (id),
    organisation_id uuid        REFERENCES organisations (id),
    balance_minor   bigint      NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- Target of ledger_entries_currency_of_account.
    CONSTRAINT ledger_accounts_id_currency_key UNIQUE (id, currency),
    CONSTRAINT ledger_accounts_owner CHECK (
        (kind = 'donor' AND donor IS NOT NULL)
        OR (kind = 'envelope' AND call_id IS NOT NULL AND cluster IS NOT NULL)
        OR (kind IN ('committed', 'released') AND proposal_id IS NOT NULL)
        OR kind = 'refunds'),
    -- No envelope, commitment, partner balance or refund pool goes negative (released ≤ committed per grant
    -- follows from committed:<REF> never going below zero); a donor account only gives.
    CONSTRAINT ledger_accounts_balance_not_negative CHECK (kind = 'donor' OR balance_minor >= 0),
    CONSTRAINT ledger_accounts_donor_gives CHECK (kind <> 'donor' OR balance_minor <= 0)
);
CREATE UNIQUE INDEX ledger_accounts_envelope_key ON ledger_accounts (call_id, cluster) WHERE kind = 'envelope';

CREATE TABLE ledger_transactions (
    id          bigserial   PRIMARY KEY,
    kind        text        NOT NULL CONSTRAINT ledger_transactions_kind_known CHECK (
        kind IN ('deposit', 'commit', 'release', 'decommit', 'refund')),
    proposal_id uuid        REFERENCES proposals (id),
    memo        text        NOT NULL DEFAULT '',
    actor       text        NOT NULL,
    occurred_at timestamptz NOT NULL
);

CREATE TABLE ledger_entries (
    id             bigserial PRIMARY KEY,
    transaction_id bigint    NOT NULL REFERENCES ledger_transactions (id),
    account_id     bigint    NOT NULL,
    currency       char(3)   NOT NULL,
    amount_minor   bigint    NOT NULL CONSTRAINT ledger_entries_amount_not_zero CHECK (amount_minor <> 0),
    CONSTRAINT ledger_entries_currency_of_account FOREIGN KEY (account_id, currency) REFERENCES ledger_accounts (id, currency)
);
CREATE INDEX ledger_entries_by_transaction ON ledger_entries (transaction_id);
CREATE INDEX ledger_entries_by_account ON ledger_entries (account_id);

-- Each entry moves its account's balance (so balance_minor is the sum of the account's entries, and the
-- account's CHECK constraints apply at once).
CREATE FUNCTION ledger_apply_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ledger_accounts SET balance_minor = balance_minor + NEW.amount_minor WHERE id = NEW.account_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER ledger_entries_apply AFTER INSERT ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_apply_entry();

-- At commit: every ledger transaction touched sums to zero in each currency.
CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ledger_entries WHERE transaction_id = NEW.transaction_id
               GROUP BY currency HAVING sum(amount_minor) <> 0) THEN
        RAISE EXCEPTION 'ledger transaction % does not sum to zero', NEW.transaction_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_transaction_balanced';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER ledger_transaction_balanced AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

-- The ledger is append-only: corrections are new, balancing transactions.
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only' USING ERRCODE = 'insufficient_privilege', CONSTRAINT = 'ledger_append_only';
END
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

-- One grant per approved proposal; its reference is the proposal's.
CREATE TABLE grants (
    id                 uuid        PRIMARY KEY,
    proposal_id        uuid        NOT NULL CONSTRAINT grants_proposal_key UNIQUE REFERENCES proposals (id),
    reference          text        NOT NULL CONSTRAINT grants_reference_key UNIQUE,
    organisation_id    uuid        NOT NULL REFERENCES organisations (id),
    call_id            uuid        NOT NULL REFERENCES calls (id),
    cluster            text        NOT NULL,
    amount_minor       bigint      NOT NULL CONSTRAINT grants_amount_positive CHECK (amount_minor > 0),
    currency           char(3)     NOT NULL,
    risk               text        NOT NULL CONSTRAINT grants_risk_known CHECK (risk IN ('low', 'medium', 'high')),
    start_date         date        NOT NULL,
    end_date           date        NOT NULL,
    state              text        NOT NULL CONSTRAINT grants_state_known CHECK (
        state IN ('agreement_pending', 'active', 'suspended', 'closing', 'closed', 'terminated')),
    signed_on          date,
    signatory          text,
    signed_by          uuid        REFERENCES users (id),
    reason             text,
    refund_minor       bigint      CONSTRAINT grants_refund_not_negative CHECK (refund_minor >= 0),
    version            integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT grants_dates_ordered CHECK (end_date >= start_date),
    CONSTRAINT grants_signature_recorded CHECK (
        state IN ('agreement_pending', 'terminated')
        OR (signed_on IS NOT NULL AND length(btrim(coalesce(signatory, ''))) > 0 AND signed_by IS NOT NULL)),
    CONSTRAINT grants_reason_present CHECK (
        state NOT IN ('suspended', 'terminated') OR length(btrim(coalesce(reason, ''))) > 0),
    CONSTRAINT grants_refund_iff_closed CHECK ((state = 'closed') = (refund_minor IS NOT NULL))
);
CREATE INDEX grants_by_state ON grants (state);

CREATE TABLE tranches (
    id                uuid        PRIMARY KEY,
    grant_id          uuid        NOT NULL REFERENCES grants (id),
    sequence          integer     NOT NULL CONSTRAINT tranches_sequence_positive CHECK (sequence >= 1),
    amount_minor      bigint      NOT NULL CONSTRAINT tranches_amount_positive CHECK (amount_minor > 0),
    currency          char(3)     NOT NULL,
    state             text        NOT NULL CONSTRAINT tranches_state_known CHECK (
        state IN ('planned', 'ready', 'approved', 'released', 'cancelled')),
    unmet             jsonb       NOT NULL DEFAULT '[]',
    evaluated_at      timestamptz,
    approved_by       uuid        REFERENCES users (id),
    approved_by_name  text,
    approved_at       timestamptz,
    released_by       uuid        REFERENCES users (id),
    released_by_name  text,
    released_at       timestamptz,
    idempotency_key   text,
    -- The machine's own records (TrancheMachine.Signature / Release), as JSON, to rebuild its state exactly.
    approval          jsonb,
    release           jsonb,
    ledger_transaction_id bigint  REFERENCES ledger_transactions (id),
    cancel_reason     text,
    version           integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    CONSTRAINT tranches_grant_sequence_key UNIQUE (grant_id, sequence),
    -- Four eyes: the finance officer who releases is never the fund manager who approved.
    CONSTRAINT tranches_released_by_other_than_approver CHECK (released_by <> approved_by),
    CONSTRAINT tranches_approval_recorded CHECK (
        state NOT IN ('approved', 'released') OR (approved_by IS NOT NULL AND approved_at IS NOT NULL)),
    CONSTRAINT tranches_release_recorded CHECK (
        (state = 'released') = (released_by IS NOT NULL AND released_at IS NOT NULL AND idempotency_key IS NOT NULL
                                AND ledger_transaction_id IS NOT NULL))
);

-- Idempotency of releases: one row per key with the hash of the request that first used it and its result.
CREATE TABLE release_requests (
    idempotency_key text        NOT NULL CONSTRAINT release_requests_key PRIMARY KEY,
    request_hash    text        NOT NULL,
    tranche_id      uuid        NOT NULL REFERENCES tranches (id),
    result          jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE grant_reports (
    id             uuid        PRIMARY KEY,
    grant_id       uuid        NOT NULL REFERENCES grants (id),
    sequence       integer     NOT NULL CHECK (sequence >= 1),
    kind           text        NOT NULL CONSTRAINT grant_reports_kind_known CHECK (kind IN ('interim', 'final')),
    period_start   date        NOT NULL,
    period_end     date        NOT NULL,
    due_date       date        NOT NULL,
    state          text        NOT NULL CONSTRAINT grant_reports_state_known CHECK (
        state IN ('scheduled', 'due', 'submitted', 'accepted', 'returned')),
    narrative      text,
    spent_minor    bigint      CONSTRAINT grant_reports_spent_not_negative CHECK (spent_minor >= 0),
    currency       char(3)     NOT NULL,
    spending_lines jsonb       NOT NULL DEFAULT '[]',
    -- The machine's ReportSubmission as JSON, to rebuild its state exactly.
    submission     jsonb,
    submitted_by   uuid        REFERENCES users (id),
    submitted_at   timestamptz,
    comment        text,
    reviewed_by    uuid        REFERENCES users (id),
    reviewed_at    timestamptz,
    version        integer     NOT NULL DEFAULT 1 CHECK (version >= 1),
    CONSTRAINT grant_reports_grant_sequence_key UNIQUE (grant_id, sequence),
    CONSTRAINT grant_reports_submission_recorded CHECK (
        state IN ('scheduled', 'due') OR (narrative IS NOT NULL AND spent_minor IS NOT NULL AND submitted_at IS NOT NULL))
);
