-- InvoiceOcr.Sdk PostgreSQL schema, version 1. {schema} is replaced by the validated schema name.
-- Identifiers are quoted so the tables, columns and views carry the same names as in the SQLite and SQL Server stores.
-- Ids compare byte-wise (COLLATE "C"), as SQL Server's BIN2 and SQLite's default do, so every store orders them alike.
-- Times are timestamptz (UTC instants, microsecond precision). Statuses: 0 Active, 1 Expired, 2 Exceeded, 3 Disabled.
-- Quota scopes: 0 key, 1 project. Window kinds: 0 minute, 1 Pacific day. Every statement is idempotent.
CREATE SCHEMA IF NOT EXISTS "{schema}";

CREATE TABLE IF NOT EXISTS "{schema}"."TokenMaster" (
    "TokenId"                TEXT COLLATE "C" NOT NULL,
    "CompanyId"              TEXT COLLATE "C" NOT NULL,
    "CompanyName"            TEXT             NULL,
    "ProjectId"              TEXT COLLATE "C" NOT NULL,
    "Provider"               TEXT             NOT NULL DEFAULT 'Gemini',
    "AllowedModels"          TEXT             NOT NULL DEFAULT '',
    "SecretCiphertext"       BYTEA            NOT NULL,
    "SecretKeyId"            TEXT             NOT NULL,
    "SecretMasked"           TEXT             NOT NULL,
    "Status"                 SMALLINT         NOT NULL DEFAULT 0,
    "StatusReason"           TEXT             NULL,
    "LifetimeTokenLimit"     BIGINT           NULL,
    "TokensUsed"             BIGINT           NOT NULL DEFAULT 0,
    "TokensReserved"         BIGINT           NOT NULL DEFAULT 0,
    "ExpiresAtUtc"           TIMESTAMPTZ      NULL,
    "RequestsPerMinute"      INTEGER          NULL,
    "RequestsPerDay"         INTEGER          NULL,
    "TokensPerMinute"        BIGINT           NULL,
    "TokensPerDay"           BIGINT           NULL,
    "Weight"                 INTEGER          NOT NULL DEFAULT 1,
    "CooldownUntilUtc"       TIMESTAMPTZ      NULL,
    "UsageThresholdNotified" INTEGER          NOT NULL DEFAULT 0,
    "CreatedAtUtc"           TIMESTAMPTZ      NOT NULL,
    "UpdatedAtUtc"           TIMESTAMPTZ      NOT NULL,
    CONSTRAINT "PK_TokenMaster" PRIMARY KEY ("TokenId"),
    CONSTRAINT "CK_TokenMaster_Status" CHECK ("Status" BETWEEN 0 AND 3),
    CONSTRAINT "CK_TokenMaster_LifetimeTokenLimit" CHECK ("LifetimeTokenLimit" IS NULL OR "LifetimeTokenLimit" >= 0),
    CONSTRAINT "CK_TokenMaster_TokensUsed" CHECK ("TokensUsed" >= 0),
    CONSTRAINT "CK_TokenMaster_TokensReserved" CHECK ("TokensReserved" >= 0),
    CONSTRAINT "CK_TokenMaster_Weight" CHECK ("Weight" >= 1)
);
CREATE INDEX IF NOT EXISTS "IX_TokenMaster_CompanyId" ON "{schema}"."TokenMaster" ("CompanyId", "TokenId");
CREATE INDEX IF NOT EXISTS "IX_TokenMaster_ProjectId" ON "{schema}"."TokenMaster" ("ProjectId");
CREATE INDEX IF NOT EXISTS "IX_TokenMaster_SecretKeyId" ON "{schema}"."TokenMaster" ("SecretKeyId");

CREATE TABLE IF NOT EXISTS "{schema}"."TokenStatusHistory" (
    "Id"           BIGINT GENERATED ALWAYS AS IDENTITY,
    "TokenId"      TEXT COLLATE "C" NOT NULL,
    "FromStatus"   SMALLINT         NOT NULL,
    "ToStatus"     SMALLINT         NOT NULL,
    "Reason"       TEXT             NULL,
    "ChangedAtUtc" TIMESTAMPTZ      NOT NULL,
    CONSTRAINT "PK_TokenStatusHistory" PRIMARY KEY ("Id")
);
CREATE INDEX IF NOT EXISTS "IX_TokenStatusHistory_TokenId" ON "{schema}"."TokenStatusHistory" ("TokenId", "Id");

CREATE TABLE IF NOT EXISTS "{schema}"."QuotaProjects" (
    "ProjectId"         TEXT COLLATE "C" NOT NULL,
    "RequestsPerMinute" INTEGER          NULL,
    "RequestsPerDay"    INTEGER          NULL,
    "TokensPerMinute"   BIGINT           NULL,
    "TokensPerDay"      BIGINT           NULL,
    "BlockedUntilUtc"   TIMESTAMPTZ      NULL,
    "UpdatedAtUtc"      TIMESTAMPTZ      NOT NULL,
    CONSTRAINT "PK_QuotaProjects" PRIMARY KEY ("ProjectId")
);

CREATE TABLE IF NOT EXISTS "{schema}"."QuotaWindows" (
    "Scope"          SMALLINT         NOT NULL,
    "ScopeId"        TEXT COLLATE "C" NOT NULL,
    "WindowKind"     SMALLINT         NOT NULL,
    "WindowStartUtc" TIMESTAMPTZ      NOT NULL,
    "Requests"       BIGINT           NOT NULL DEFAULT 0,
    "Tokens"         BIGINT           NOT NULL DEFAULT 0,
    CONSTRAINT "PK_QuotaWindows" PRIMARY KEY ("Scope", "ScopeId", "WindowKind", "WindowStartUtc")
);
CREATE INDEX IF NOT EXISTS "IX_QuotaWindows_WindowStartUtc" ON "{schema}"."QuotaWindows" ("WindowStartUtc");

CREATE TABLE IF NOT EXISTS "{schema}"."QuotaReservations" (
    "ReservationId"        TEXT COLLATE "C" NOT NULL,
    "TokenId"              TEXT COLLATE "C" NOT NULL,
    "CompanyId"            TEXT COLLATE "C" NOT NULL,
    "ProjectId"            TEXT COLLATE "C" NOT NULL,
    "Tokens"               BIGINT           NOT NULL,
    "MinuteWindowStartUtc" TIMESTAMPTZ      NOT NULL,
    "DayWindowStartUtc"    TIMESTAMPTZ      NOT NULL,
    "CreatedAtUtc"         TIMESTAMPTZ      NOT NULL,
    "ExpiresAtUtc"         TIMESTAMPTZ      NOT NULL,
    CONSTRAINT "PK_QuotaReservations" PRIMARY KEY ("ReservationId")
);
CREATE INDEX IF NOT EXISTS "IX_QuotaReservations_ExpiresAtUtc" ON "{schema}"."QuotaReservations" ("ExpiresAtUtc");

CREATE TABLE IF NOT EXISTS "{schema}"."TokenUsageLogs" (
    "Id"                BIGINT GENERATED ALWAYS AS IDENTITY,
    "UsageId"           TEXT COLLATE "C" NOT NULL,
    "OperationId"       TEXT COLLATE "C" NOT NULL,
    "Attempt"           INTEGER          NOT NULL,
    "CompanyId"         TEXT COLLATE "C" NOT NULL,
    "Branch"            TEXT COLLATE "C" NULL,
    "UserId"            TEXT COLLATE "C" NULL,
    "TokenId"           TEXT COLLATE "C" NOT NULL,
    "ProjectId"         TEXT COLLATE "C" NULL,
    "Model"             TEXT             NOT NULL,
    "ResponseId"        TEXT             NULL,
    "FileName"          TEXT             NULL,
    "InputTokens"       BIGINT           NOT NULL,
    "OutputTokens"      BIGINT           NOT NULL,
    "TextTokens"        BIGINT           NOT NULL,
    "ImageTokens"       BIGINT           NOT NULL,
    "DocumentTokens"    BIGINT           NOT NULL,
    "CachedTokens"      BIGINT           NOT NULL,
    "ThoughtsTokens"    BIGINT           NOT NULL,
    "ToolUseTokens"     BIGINT           NOT NULL,
    "TotalTokens"       BIGINT           NOT NULL,
    "RequestCount"      INTEGER          NOT NULL,
    "Outcome"           SMALLINT         NOT NULL,
    "FailureKind"       TEXT             NULL,
    "StartedAtUtc"      TIMESTAMPTZ      NOT NULL,
    "CompletedAtUtc"    TIMESTAMPTZ      NOT NULL,
    "UsageDate"         DATE             NOT NULL,
    "UsageMetadataJson" TEXT             NULL,
    "RecordedAtUtc"     TIMESTAMPTZ      NOT NULL,
    CONSTRAINT "PK_TokenUsageLogs" PRIMARY KEY ("Id"),
    CONSTRAINT "UQ_TokenUsageLogs_UsageId" UNIQUE ("UsageId")
);
CREATE INDEX IF NOT EXISTS "IX_TokenUsageLogs_Company_Date" ON "{schema}"."TokenUsageLogs" ("CompanyId", "UsageDate", "CompletedAtUtc");
CREATE INDEX IF NOT EXISTS "IX_TokenUsageLogs_OperationId" ON "{schema}"."TokenUsageLogs" ("OperationId") INCLUDE ("Outcome");

CREATE TABLE IF NOT EXISTS "{schema}"."TokenUsageSummary" (
    "TokenId"        TEXT COLLATE "C" NOT NULL,
    "UsageDate"      DATE             NOT NULL,
    "CompanyId"      TEXT COLLATE "C" NOT NULL,
    "RequestCount"   BIGINT           NOT NULL DEFAULT 0,
    "FailedRequests" BIGINT           NOT NULL DEFAULT 0,
    "InputTokens"    BIGINT           NOT NULL DEFAULT 0,
    "OutputTokens"   BIGINT           NOT NULL DEFAULT 0,
    "CachedTokens"   BIGINT           NOT NULL DEFAULT 0,
    "ThoughtsTokens" BIGINT           NOT NULL DEFAULT 0,
    "TotalTokens"    BIGINT           NOT NULL DEFAULT 0,
    "LastUsedAtUtc"  TIMESTAMPTZ      NOT NULL,
    CONSTRAINT "PK_TokenUsageSummary" PRIMARY KEY ("TokenId", "UsageDate")
);
CREATE INDEX IF NOT EXISTS "IX_TokenUsageSummary_Company_Date" ON "{schema}"."TokenUsageSummary" ("CompanyId", "UsageDate");

CREATE TABLE IF NOT EXISTS "{schema}"."RetryAttempts" (
    "Id"            BIGINT GENERATED ALWAYS AS IDENTITY,
    "OperationId"   TEXT COLLATE "C" NOT NULL,
    "AttemptNumber" INTEGER          NOT NULL,
    "CompanyId"     TEXT COLLATE "C" NOT NULL,
    "TokenId"       TEXT COLLATE "C" NULL,
    "ErrorKind"     TEXT             NOT NULL,
    "HttpStatus"    INTEGER          NULL,
    "DelayTicks"    BIGINT           NOT NULL,
    "IsFailover"    BOOLEAN          NOT NULL,
    "OccurredAtUtc" TIMESTAMPTZ      NOT NULL,
    "RecordedAtUtc" TIMESTAMPTZ      NOT NULL,
    CONSTRAINT "PK_RetryAttempts" PRIMARY KEY ("Id"),
    CONSTRAINT "UQ_RetryAttempts_Operation_Attempt" UNIQUE ("OperationId", "AttemptNumber")
);
CREATE INDEX IF NOT EXISTS "IX_RetryAttempts_OccurredAtUtc" ON "{schema}"."RetryAttempts" ("OccurredAtUtc");

CREATE TABLE IF NOT EXISTS "{schema}"."ApplicationLogs" (
    "Id"           BIGINT GENERATED ALWAYS AS IDENTITY,
    "TimestampUtc" TIMESTAMPTZ      NOT NULL,
    "Level"        SMALLINT         NOT NULL,
    "LevelName"    TEXT             NOT NULL,
    "Category"     TEXT             NOT NULL,
    "EventId"      INTEGER          NOT NULL,
    "EventName"    TEXT             NULL,
    "Message"      TEXT             NOT NULL,
    "Exception"    TEXT             NULL,
    "Scope"        TEXT             NULL,
    "CompanyId"    TEXT COLLATE "C" NULL,
    CONSTRAINT "PK_ApplicationLogs" PRIMARY KEY ("Id")
);
CREATE INDEX IF NOT EXISTS "IX_ApplicationLogs_Level_Timestamp" ON "{schema}"."ApplicationLogs" ("Level", "TimestampUtc");
CREATE INDEX IF NOT EXISTS "IX_ApplicationLogs_Timestamp" ON "{schema}"."ApplicationLogs" ("TimestampUtc");

CREATE OR REPLACE VIEW "{schema}"."vw_TokenStatus" AS
SELECT t."TokenId", t."CompanyId", t."CompanyName", t."ProjectId", t."Provider", t."SecretMasked",
       CASE t."Status" WHEN 0 THEN 'Active' WHEN 1 THEN 'Expired' WHEN 2 THEN 'Exceeded' ELSE 'Disabled' END AS "StatusName",
       t."StatusReason", t."LifetimeTokenLimit", t."TokensUsed", t."TokensReserved",
       CASE WHEN t."LifetimeTokenLimit" IS NULL THEN NULL
            ELSE GREATEST(0, t."LifetimeTokenLimit" - t."TokensUsed" - t."TokensReserved") END AS "TokensRemaining",
       CASE WHEN t."LifetimeTokenLimit" IS NULL OR t."LifetimeTokenLimit" = 0 THEN NULL
            ELSE ROUND(100.0 * t."TokensUsed" / t."LifetimeTokenLimit", 2) END AS "UsagePercent",
       t."ExpiresAtUtc", t."CooldownUntilUtc", t."Weight", t."UpdatedAtUtc"
FROM "{schema}"."TokenMaster" AS t;

CREATE OR REPLACE VIEW "{schema}"."vw_UsageSummary" AS
SELECT s."CompanyId", t."CompanyName", s."UsageDate", s."TokenId", t."ProjectId",
       s."RequestCount", s."FailedRequests", s."InputTokens", s."OutputTokens", s."CachedTokens", s."ThoughtsTokens", s."TotalTokens",
       s."LastUsedAtUtc"
FROM "{schema}"."TokenUsageSummary" AS s
LEFT JOIN "{schema}"."TokenMaster" AS t ON t."TokenId" = s."TokenId";

CREATE OR REPLACE VIEW "{schema}"."vw_RecentErrors" AS
SELECT l."Id", l."TimestampUtc", l."LevelName", l."Category", l."EventId", l."EventName", l."Message", l."Exception", l."CompanyId"
FROM "{schema}"."ApplicationLogs" AS l
WHERE l."Level" >= 4 AND l."TimestampUtc" >= now() - INTERVAL '1 day';

CREATE OR REPLACE VIEW "{schema}"."vw_FailedRetries" AS
SELECT r."OperationId", r."AttemptNumber", r."CompanyId", r."TokenId", r."ErrorKind", r."HttpStatus", r."DelayTicks" / 10000 AS "DelayMs", r."IsFailover", r."OccurredAtUtc"
FROM "{schema}"."RetryAttempts" AS r
WHERE NOT EXISTS (SELECT 1 FROM "{schema}"."TokenUsageLogs" AS u WHERE u."OperationId" = r."OperationId" AND u."Outcome" = 0);
