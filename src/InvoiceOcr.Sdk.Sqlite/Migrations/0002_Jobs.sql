-- InvoiceOcr.Sdk SQLite schema, version 2: batch jobs, their items and the items' transitions (audit trail).
-- Item states: 0 Pending, 1 Processing, 2 Completed, 3 Failed, 4 Retrying, 5 QuotaExceeded, 6 Suspended, 7 Cancelled.
-- Job controls: 0 Active, 1 Suspended, 2 Cancelled. Document sources: 0 File, 1 Uri, 2 Stored.

CREATE TABLE IF NOT EXISTS InvoiceJobs (
    JobId        TEXT    NOT NULL PRIMARY KEY,
    CompanyId    TEXT    NOT NULL,
    JobKey       TEXT    NULL,
    RequestedBy  TEXT    NULL,
    Branch       TEXT    NULL,
    UseBatchMode INTEGER NOT NULL DEFAULT 0,
    Control      INTEGER NOT NULL DEFAULT 0 CHECK (Control BETWEEN 0 AND 2),
    Version      INTEGER NOT NULL,
    CreatedAtUtc TEXT    NOT NULL,
    UpdatedAtUtc TEXT    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS UX_InvoiceJobs_CompanyId_JobKey ON InvoiceJobs (CompanyId, JobKey) WHERE JobKey IS NOT NULL;
CREATE INDEX IF NOT EXISTS IX_InvoiceJobs_CompanyId ON InvoiceJobs (CompanyId, CreatedAtUtc);

CREATE TABLE IF NOT EXISTS InvoiceJobItems (
    ItemId            TEXT    NOT NULL PRIMARY KEY,
    JobId             TEXT    NOT NULL REFERENCES InvoiceJobs (JobId),
    CompanyId         TEXT    NOT NULL,
    Sequence          INTEGER NOT NULL,
    FileName          TEXT    NULL,
    DocumentSha256    TEXT    NOT NULL,
    Source            INTEGER NOT NULL CHECK (Source BETWEEN 0 AND 2),
    Location          TEXT    NULL,
    Content           BLOB    NULL,
    State             INTEGER NOT NULL CHECK (State BETWEEN 0 AND 7),
    Version           INTEGER NOT NULL,
    LeaseCount        INTEGER NOT NULL DEFAULT 0,
    FailureCount      INTEGER NOT NULL DEFAULT 0,
    LeaseOwner        TEXT    NULL,
    LeaseExpiresAtUtc TEXT    NULL,
    NotBeforeUtc      TEXT    NULL,
    OperationId       TEXT    NOT NULL,
    ErrorKind         INTEGER NULL,
    ErrorMessage      TEXT    NULL,
    InvoiceJson       TEXT    NULL,
    IsPartial         INTEGER NOT NULL DEFAULT 0,
    TotalTokens       INTEGER NOT NULL DEFAULT 0,
    KeyId             TEXT    NULL,
    CreatedAtUtc      TEXT    NOT NULL,
    UpdatedAtUtc      TEXT    NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS UX_InvoiceJobItems_JobId_Sequence ON InvoiceJobItems (JobId, Sequence);
CREATE UNIQUE INDEX IF NOT EXISTS UX_InvoiceJobItems_JobId_DocumentSha256 ON InvoiceJobItems (JobId, DocumentSha256);
CREATE INDEX IF NOT EXISTS IX_InvoiceJobItems_State ON InvoiceJobItems (State, NotBeforeUtc);
CREATE INDEX IF NOT EXISTS IX_InvoiceJobItems_CompanyId_State ON InvoiceJobItems (CompanyId, State);

CREATE TABLE IF NOT EXISTS InvoiceJobItemTransitions (
    Id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    ItemId      TEXT    NOT NULL,
    Version     INTEGER NOT NULL,
    FromState   INTEGER NOT NULL,
    ToState     INTEGER NOT NULL,
    Reason      TEXT    NULL,
    AtUtc       TEXT    NOT NULL,
    WorkerId    TEXT    NULL,
    OperationId TEXT    NULL,
    AttemptId   TEXT    NULL
);
CREATE INDEX IF NOT EXISTS IX_InvoiceJobItemTransitions_ItemId ON InvoiceJobItemTransitions (ItemId, Id);
