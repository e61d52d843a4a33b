-- InvoiceOcr.Sdk SQLite schema: fewer pages written per model call (issue 13). Every page a commit changes is one more
-- write-ahead-log frame for the ledger's fsync to flush, so the tables a call writes lose the b-trees no statement needs:
-- * Operations, OperationAttempts and QuotaReservations are keyed by their text id only: WITHOUT ROWID tables are one b-tree
--   (a rowid table with a text primary key is two: the table and the key's index).
-- * OperationAttempts' indexes cover only the rows their queries look for: the attempts in flight (State 0: expiry, and the
--   attempt of a reservation) and the outcome-unknown ones (State 2: the reconciliation list). A billed attempt's ending
--   (0 to 1) then leaves one index, where it moved two before and inserted into three.
-- * QuotaReservations holds only the reservations of attempts in flight (each row is deleted when settled or released), so
--   the expiry pass reads it whole and its ExpiresAtUtc index is dropped: two fewer pages per call.
-- * TokenUsageLogs keeps its ids but loses AUTOINCREMENT, whose sqlite_sequence row was one more page per ledger row (ids
--   still grow: a new row takes the largest id + 1, and only the retention of old rows ever deletes any).
-- Each table is rebuilt with its rows copied (column by column), in the migration's one transaction.

-- vw_FailedRetries reads TokenUsageLogs: dropped while the table is replaced, created again below.
DROP VIEW IF EXISTS vw_FailedRetries;

CREATE TABLE Operations_0010 (
    OperationId     TEXT    NOT NULL PRIMARY KEY,
    CompanyId       TEXT    NOT NULL,
    DocumentSha256  TEXT    NULL,
    State           INTEGER NOT NULL CHECK (State BETWEEN 0 AND 2),
    ClaimedUntilUtc TEXT    NOT NULL,
    AttemptCount    INTEGER NOT NULL DEFAULT 0,
    OutcomeJson     TEXT    NULL,
    FailureKind     TEXT    NULL,
    CreatedAtUtc    TEXT    NOT NULL,
    CompletedAtUtc  TEXT    NULL
) WITHOUT ROWID;
INSERT INTO Operations_0010 (OperationId, CompanyId, DocumentSha256, State, ClaimedUntilUtc, AttemptCount, OutcomeJson, FailureKind, CreatedAtUtc, CompletedAtUtc)
SELECT OperationId, CompanyId, DocumentSha256, State, ClaimedUntilUtc, AttemptCount, OutcomeJson, FailureKind, CreatedAtUtc, CompletedAtUtc FROM Operations;
DROP TABLE Operations;
ALTER TABLE Operations_0010 RENAME TO Operations;

CREATE TABLE OperationAttempts_0010 (
    AttemptId       TEXT    NOT NULL PRIMARY KEY,
    OperationId     TEXT    NOT NULL,
    AttemptNumber   INTEGER NOT NULL,
    CompanyId       TEXT    NOT NULL,
    TokenId         TEXT    NOT NULL,
    ProjectId       TEXT    NULL,
    ReservationId   TEXT    NULL,
    EstimatedTokens INTEGER NOT NULL CHECK (EstimatedTokens >= 0),
    State           INTEGER NOT NULL DEFAULT 0 CHECK (State BETWEEN 0 AND 2),
    StartedAtUtc    TEXT    NOT NULL,
    ExpiresAtUtc    TEXT    NOT NULL,
    EndedAtUtc      TEXT    NULL,
    EstimatedInputTokens INTEGER NULL
) WITHOUT ROWID;
INSERT INTO OperationAttempts_0010 (AttemptId, OperationId, AttemptNumber, CompanyId, TokenId, ProjectId, ReservationId, EstimatedTokens, State, StartedAtUtc, ExpiresAtUtc, EndedAtUtc, EstimatedInputTokens)
SELECT AttemptId, OperationId, AttemptNumber, CompanyId, TokenId, ProjectId, ReservationId, EstimatedTokens, State, StartedAtUtc, ExpiresAtUtc, EndedAtUtc, EstimatedInputTokens FROM OperationAttempts;
DROP TABLE OperationAttempts;
ALTER TABLE OperationAttempts_0010 RENAME TO OperationAttempts;
-- State leads both (a constant in each): the planner reads "State = 0" / "State = 2" as an equality on the index.
CREATE INDEX IX_OperationAttempts_InFlight ON OperationAttempts (State, ReservationId) WHERE State = 0;
CREATE INDEX IX_OperationAttempts_OutcomeUnknown ON OperationAttempts (State, CompanyId, EndedAtUtc) WHERE State = 2;

CREATE TABLE QuotaReservations_0010 (
    ReservationId        TEXT    NOT NULL PRIMARY KEY,
    TokenId              TEXT    NOT NULL,
    CompanyId            TEXT    NOT NULL,
    ProjectId            TEXT    NOT NULL,
    Tokens               INTEGER NOT NULL,
    MinuteWindowStartUtc TEXT    NOT NULL,
    DayWindowStartUtc    TEXT    NOT NULL,
    CreatedAtUtc         TEXT    NOT NULL,
    ExpiresAtUtc         TEXT    NOT NULL,
    InputTokens          INTEGER NULL
) WITHOUT ROWID;
INSERT INTO QuotaReservations_0010 (ReservationId, TokenId, CompanyId, ProjectId, Tokens, MinuteWindowStartUtc, DayWindowStartUtc, CreatedAtUtc, ExpiresAtUtc, InputTokens)
SELECT ReservationId, TokenId, CompanyId, ProjectId, Tokens, MinuteWindowStartUtc, DayWindowStartUtc, CreatedAtUtc, ExpiresAtUtc, InputTokens FROM QuotaReservations;
DROP TABLE QuotaReservations;
ALTER TABLE QuotaReservations_0010 RENAME TO QuotaReservations;

CREATE TABLE TokenUsageLogs_0010 (
    Id                INTEGER NOT NULL PRIMARY KEY,
    UsageId           TEXT    NOT NULL,
    OperationId       TEXT    NOT NULL,
    Attempt           INTEGER NOT NULL,
    CompanyId         TEXT    NOT NULL,
    Branch            TEXT    NULL,
    UserId            TEXT    NULL,
    TokenId           TEXT    NOT NULL,
    ProjectId         TEXT    NULL,
    Model             TEXT    NOT NULL,
    ResponseId        TEXT    NULL,
    FileName          TEXT    NULL,
    InputTokens       INTEGER NOT NULL,
    OutputTokens      INTEGER NOT NULL,
    TextTokens        INTEGER NOT NULL,
    ImageTokens       INTEGER NOT NULL,
    DocumentTokens    INTEGER NOT NULL,
    CachedTokens      INTEGER NOT NULL,
    ThoughtsTokens    INTEGER NOT NULL,
    ToolUseTokens     INTEGER NOT NULL,
    TotalTokens       INTEGER NOT NULL,
    RequestCount      INTEGER NOT NULL,
    Outcome           INTEGER NOT NULL,
    FailureKind       TEXT    NULL,
    StartedAtUtc      TEXT    NOT NULL,
    CompletedAtUtc    TEXT    NOT NULL,
    UsageDate         TEXT    NOT NULL,
    UsageMetadataJson TEXT    NULL,
    RecordedAtUtc     TEXT    NOT NULL,
    CostNanos         INTEGER NULL,
    Currency          TEXT    NULL,
    ServiceTier       INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT UQ_TokenUsageLogs_UsageId UNIQUE (UsageId)
);
INSERT INTO TokenUsageLogs_0010 (Id, UsageId, OperationId, Attempt, CompanyId, Branch, UserId, TokenId, ProjectId, Model, ResponseId, FileName,
    InputTokens, OutputTokens, TextTokens, ImageTokens, DocumentTokens, CachedTokens, ThoughtsTokens, ToolUseTokens, TotalTokens, RequestCount,
    Outcome, FailureKind, StartedAtUtc, CompletedAtUtc, UsageDate, UsageMetadataJson, RecordedAtUtc, CostNanos, Currency, ServiceTier)
SELECT Id, UsageId, OperationId, Attempt, CompanyId, Branch, UserId, TokenId, ProjectId, Model, ResponseId, FileName,
    InputTokens, OutputTokens, TextTokens, ImageTokens, DocumentTokens, CachedTokens, ThoughtsTokens, ToolUseTokens, TotalTokens, RequestCount,
    Outcome, FailureKind, StartedAtUtc, CompletedAtUtc, UsageDate, UsageMetadataJson, RecordedAtUtc, CostNanos, Currency, ServiceTier FROM TokenUsageLogs;
DROP TABLE TokenUsageLogs;
ALTER TABLE TokenUsageLogs_0010 RENAME TO TokenUsageLogs;
CREATE INDEX IX_TokenUsageLogs_Company_Date ON TokenUsageLogs (CompanyId, UsageDate, CompletedAtUtc);
CREATE INDEX IX_TokenUsageLogs_OperationId ON TokenUsageLogs (OperationId);

CREATE VIEW vw_FailedRetries AS
SELECT r.OperationId, r.AttemptNumber, r.CompanyId, r.TokenId, r.ErrorKind, r.HttpStatus, r.DelayTicks / 10000 AS DelayMs, r.IsFailover, r.OccurredAtUtc
FROM RetryAttempts AS r
WHERE NOT EXISTS (SELECT 1 FROM TokenUsageLogs AS u WHERE u.OperationId = r.OperationId AND u.Outcome = 0);
