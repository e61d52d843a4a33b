-- InvoiceOcr.Sdk SQLite schema, version 1.
-- Times are UTC text 'yyyy-MM-dd HH:mm:ss.fffffff' (sortable, understood by SQLite's date functions).
-- Statuses: 0 Active, 1 Expired, 2 Exceeded, 3 Disabled. Quota scopes: 0 key, 1 project. Window kinds: 0 minute, 1 Pacific day.

CREATE TABLE IF NOT EXISTS TokenMaster (
    TokenId                TEXT    NOT NULL PRIMARY KEY,
    CompanyId              TEXT    NOT NULL,
    CompanyName            TEXT    NULL,
    ProjectId              TEXT    NOT NULL,
    Provider               TEXT    NOT NULL DEFAULT 'Gemini',
    AllowedModels          TEXT    NOT NULL DEFAULT '',
    SecretCiphertext       BLOB    NOT NULL,
    SecretKeyId            TEXT    NOT NULL,
    SecretMasked           TEXT    NOT NULL,
    Status                 INTEGER NOT NULL DEFAULT 0 CHECK (Status BETWEEN 0 AND 3),
    StatusReason           TEXT    NULL,
    LifetimeTokenLimit     INTEGER NULL CHECK (LifetimeTokenLimit IS NULL OR LifetimeTokenLimit >= 0),
    TokensUsed             INTEGER NOT NULL DEFAULT 0 CHECK (TokensUsed >= 0),
    TokensReserved         INTEGER NOT NULL DEFAULT 0 CHECK (TokensReserved >= 0),
    ExpiresAtUtc           TEXT    NULL,
    RequestsPerMinute      INTEGER NULL,
    RequestsPerDay         INTEGER NULL,
    TokensPerMinute        INTEGER NULL,
    TokensPerDay           INTEGER NULL,
    Weight                 INTEGER NOT NULL DEFAULT 1 CHECK (Weight >= 1),
    CooldownUntilUtc       TEXT    NULL,
    UsageThresholdNotified INTEGER NOT NULL DEFAULT 0,
    CreatedAtUtc           TEXT    NOT NULL,
    UpdatedAtUtc           TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS IX_TokenMaster_CompanyId ON TokenMaster (CompanyId, TokenId);
CREATE INDEX IF NOT EXISTS IX_TokenMaster_ProjectId ON TokenMaster (ProjectId);
CREATE INDEX IF NOT EXISTS IX_TokenMaster_SecretKeyId ON TokenMaster (SecretKeyId);

CREATE TABLE IF NOT EXISTS TokenStatusHistory (
    Id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    TokenId      TEXT    NOT NULL,
    FromStatus   INTEGER NOT NULL,
    ToStatus     INTEGER NOT NULL,
    Reason       TEXT    NULL,
    ChangedAtUtc TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS IX_TokenStatusHistory_TokenId ON TokenStatusHistory (TokenId, Id);

CREATE TABLE IF NOT EXISTS QuotaProjects (
    ProjectId         TEXT    NOT NULL PRIMARY KEY,
    RequestsPerMinute INTEGER NULL,
    RequestsPerDay    INTEGER NULL,
    TokensPerMinute   INTEGER NULL,
    TokensPerDay      INTEGER NULL,
    BlockedUntilUtc   TEXT    NULL,
    UpdatedAtUtc      TEXT    NOT NULL
);

CREATE TABLE IF NOT EXISTS QuotaWindows (
    Scope          INTEGER NOT NULL,
    ScopeId        TEXT    NOT NULL,
    WindowKind     INTEGER NOT NULL,
    WindowStartUtc TEXT    NOT NULL,
    Requests       INTEGER NOT NULL DEFAULT 0,
    Tokens         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (Scope, ScopeId, WindowKind, WindowStartUtc)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS IX_QuotaWindows_WindowStartUtc ON QuotaWindows (WindowStartUtc);

CREATE TABLE IF NOT EXISTS QuotaReservations (
    ReservationId        TEXT    NOT NULL PRIMARY KEY,
    TokenId              TEXT    NOT NULL,
    CompanyId            TEXT    NOT NULL,
    ProjectId            TEXT    NOT NULL,
    Tokens               INTEGER NOT NULL,
    MinuteWindowStartUtc TEXT    NOT NULL,
    DayWindowStartUtc    TEXT    NOT NULL,
    CreatedAtUtc         TEXT    NOT NULL,
    ExpiresAtUtc         TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS IX_QuotaReservations_ExpiresAtUtc ON QuotaReservations (ExpiresAtUtc);

CREATE TABLE IF NOT EXISTS TokenUsageLogs (
    Id                INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
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
    CONSTRAINT UQ_TokenUsageLogs_UsageId UNIQUE (UsageId)
);
CREATE INDEX IF NOT EXISTS IX_TokenUsageLogs_Company_Date ON TokenUsageLogs (CompanyId, UsageDate, CompletedAtUtc);
CREATE INDEX IF NOT EXISTS IX_TokenUsageLogs_OperationId ON TokenUsageLogs (OperationId);

CREATE TABLE IF NOT EXISTS TokenUsageSummary (
    TokenId        TEXT    NOT NULL,
    UsageDate      TEXT    NOT NULL,
    CompanyId      TEXT    NOT NULL,
    RequestCount   INTEGER NOT NULL DEFAULT 0,
    FailedRequests INTEGER NOT NULL DEFAULT 0,
    InputTokens    INTEGER NOT NULL DEFAULT 0,
    OutputTokens   INTEGER NOT NULL DEFAULT 0,
    CachedTokens   INTEGER NOT NULL DEFAULT 0,
    ThoughtsTokens INTEGER NOT NULL DEFAULT 0,
    TotalTokens    INTEGER NOT NULL DEFAULT 0,
    LastUsedAtUtc  TEXT    NOT NULL,
    PRIMARY KEY (TokenId, UsageDate)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS IX_TokenUsageSummary_Company_Date ON TokenUsageSummary (CompanyId, UsageDate);

CREATE TABLE IF NOT EXISTS RetryAttempts (
    Id            INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    OperationId   TEXT    NOT NULL,
    AttemptNumber INTEGER NOT NULL,
    CompanyId     TEXT    NOT NULL,
    TokenId       TEXT    NULL,
    ErrorKind     TEXT    NOT NULL,
    HttpStatus    INTEGER NULL,
    DelayTicks    INTEGER NOT NULL,
    IsFailover    INTEGER NOT NULL,
    OccurredAtUtc TEXT    NOT NULL,
    RecordedAtUtc TEXT    NOT NULL,
    CONSTRAINT UQ_RetryAttempts_Operation_Attempt UNIQUE (OperationId, AttemptNumber)
);
CREATE INDEX IF NOT EXISTS IX_RetryAttempts_OccurredAtUtc ON RetryAttempts (OccurredAtUtc);

CREATE TABLE IF NOT EXISTS ApplicationLogs (
    Id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    TimestampUtc TEXT    NOT NULL,
    Level        INTEGER NOT NULL,
    LevelName    TEXT    NOT NULL,
    Category     TEXT    NOT NULL,
    EventId      INTEGER NOT NULL,
    EventName    TEXT    NULL,
    Message      TEXT    NOT NULL,
    Exception    TEXT    NULL,
    Scope        TEXT    NULL,
    CompanyId    TEXT    NULL
);
CREATE INDEX IF NOT EXISTS IX_ApplicationLogs_Level_Timestamp ON ApplicationLogs (Level, TimestampUtc);
CREATE INDEX IF NOT EXISTS IX_ApplicationLogs_Timestamp ON ApplicationLogs (TimestampUtc);

DROP VIEW IF EXISTS vw_TokenStatus;
CREATE VIEW vw_TokenStatus AS
SELECT t.TokenId, t.CompanyId, t.CompanyName, t.ProjectId, t.Provider, t.SecretMasked,
       CASE t.Status WHEN 0 THEN 'Active' WHEN 1 THEN 'Expired' WHEN 2 THEN 'Exceeded' ELSE 'Disabled' END AS StatusName,
       t.StatusReason, t.LifetimeTokenLimit, t.TokensUsed, t.TokensReserved,
       CASE WHEN t.LifetimeTokenLimit IS NULL THEN NULL
            ELSE MAX(0, t.LifetimeTokenLimit - t.TokensUsed - t.TokensReserved) END AS TokensRemaining,
       CASE WHEN t.LifetimeTokenLimit IS NULL OR t.LifetimeTokenLimit = 0 THEN NULL
            ELSE ROUND(100.0 * t.TokensUsed / t.LifetimeTokenLimit, 2) END AS UsagePercent,
       t.ExpiresAtUtc, t.CooldownUntilUtc, t.Weight, t.UpdatedAtUtc
FROM TokenMaster AS t;

DROP VIEW IF EXISTS vw_UsageSummary;
CREATE VIEW vw_UsageSummary AS
SELECT s.CompanyId, t.CompanyName, s.UsageDate, s.TokenId, t.ProjectId,
       s.RequestCount, s.FailedRequests, s.InputTokens, s.OutputTokens, s.CachedTokens, s.ThoughtsTokens, s.TotalTokens,
       s.LastUsedAtUtc
FROM TokenUsageSummary AS s
LEFT JOIN TokenMaster AS t ON t.TokenId = s.TokenId;

DROP VIEW IF EXISTS vw_RecentErrors;
CREATE VIEW vw_RecentErrors AS
SELECT l.Id, l.TimestampUtc, l.LevelName, l.Category, l.EventId, l.EventName, l.Message, l.Exception, l.CompanyId
FROM ApplicationLogs AS l
WHERE l.Level >= 4 AND l.TimestampUtc >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 day');

DROP VIEW IF EXISTS vw_FailedRetries;
CREATE VIEW vw_FailedRetries AS
SELECT r.OperationId, r.AttemptNumber, r.CompanyId, r.TokenId, r.ErrorKind, r.HttpStatus, r.DelayTicks / 10000 AS DelayMs, r.IsFailover, r.OccurredAtUtc
FROM RetryAttempts AS r
WHERE NOT EXISTS (SELECT 1 FROM TokenUsageLogs AS u WHERE u.OperationId = r.OperationId AND u.Outcome = 0);
