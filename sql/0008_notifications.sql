-- Notification outbox: a row is written in the transaction of the event that causes it, together with a
-- `notify` job that delivers it. The job marks the row sent in the same transaction that completes the job.
CREATE TYPE notification_channel AS ENUM ('email', 'webhook', 'file');
CREATE TYPE notification_state AS ENUM ('pending', 'sent', 'failed');

CREATE TABLE notifications (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key text                 NOT NULL UNIQUE CHECK (idempotency_key <> ''),
    recipient       text                 NOT NULL CHECK (recipient <> ''),
    subject         text                 NOT NULL,
    body            text                 NOT NULL,
    channel         notification_channel NOT NULL DEFAULT 'email',
    state           notification_state   NOT NULL DEFAULT 'pending',
    attempts        integer              NOT NULL DEFAULT 0,
    last_error      text,
    created_at      timestamptz          NOT NULL DEFAULT now(),
    sent_at         timestamptz
);

CREATE INDEX notifications_unsent ON notifications (created_at) WHERE state <> 'sent';
