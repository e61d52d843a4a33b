-- InvoiceOcr.Sdk SQLite schema: Gemini batches of batch-mode jobs, and the billing tier of each ledger row.
-- Batch states: 0 Submitting, 1 Submitted, 2 Completed, 3 Abandoned. A batch row is written before its submission (its
-- BatchId is the batch's display name at Gemini), so a crash never submits it twice. EntriesJson is the worker's record of
-- its items (operation, attempt, reservation); the store keeps it as it is.
CREATE TABLE IF NOT EXISTS InvoiceJobBatches (
    BatchId       TEXT    NOT NULL PRIMARY KEY,
    JobId         TEXT    NOT NULL REFERENCES InvoiceJobs (JobId),
    CompanyId     TEXT    NOT NULL,
    KeyId         TEXT    NOT NULL,
    Model         TEXT    NOT NULL,
    State         INTEGER NOT NULL CHECK (State BETWEEN 0 AND 3),
    GeminiName    TEXT    NULL,
    Detail        TEXT    NULL,
    ItemCount     INTEGER NOT NULL,
    EntriesJson   TEXT    NOT NULL,
    Owner         TEXT    NULL,
    OwnerUntilUtc TEXT    NOT NULL,
    NextPollAtUtc TEXT    NOT NULL,
    Version       INTEGER NOT NULL,
    CreatedAtUtc  TEXT    NOT NULL,
    UpdatedAtUtc  TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS IX_InvoiceJobBatches_State ON InvoiceJobBatches (State, CreatedAtUtc);
CREATE INDEX IF NOT EXISTS IX_InvoiceJobBatches_JobId ON InvoiceJobBatches (JobId, CreatedAtUtc);

-- 0 Standard (interactive), 1 Batch (a request of a Gemini batch, billed at the batch price).
ALTER TABLE TokenUsageLogs ADD COLUMN ServiceTier INTEGER NOT NULL DEFAULT 0;
