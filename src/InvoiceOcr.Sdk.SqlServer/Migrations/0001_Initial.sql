-- InvoiceOcr.Sdk SQL Server schema, version 1. {schema} is replaced by the validated schema name.
-- Statuses: 0 Active, 1 Expired, 2 Exceeded, 3 Disabled. Quota scopes: 0 key, 1 project. Window kinds: 0 minute, 1 Pacific day.
IF SCHEMA_ID(N'{schema}') IS NULL EXEC (N'CREATE SCHEMA [{schema}]');
GO
IF OBJECT_ID(N'[{schema}].[TokenMaster]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[TokenMaster] (
        [TokenId]                NVARCHAR(128) COLLATE Latin1_General_100_BIN2   NOT NULL,
        [CompanyId]              NVARCHAR(128) COLLATE Latin1_General_100_BIN2   NOT NULL,
        [CompanyName]            NVARCHAR(256)   NULL,
        [ProjectId]              NVARCHAR(128) COLLATE Latin1_General_100_BIN2   NOT NULL,
        [Provider]               NVARCHAR(64)    NOT NULL CONSTRAINT [DF_TokenMaster_Provider] DEFAULT (N'Gemini'),
        [AllowedModels]          NVARCHAR(2000)  NOT NULL CONSTRAINT [DF_TokenMaster_AllowedModels] DEFAULT (N''),
        [SecretCiphertext]       VARBINARY(1024) NOT NULL,
        [SecretKeyId]            NVARCHAR(32)    NOT NULL,
        [SecretMasked]           NVARCHAR(32)    NOT NULL,
        [Status]                 TINYINT         NOT NULL CONSTRAINT [DF_TokenMaster_Status] DEFAULT (0),
        [StatusReason]           NVARCHAR(1000)  NULL,
        [LifetimeTokenLimit]     BIGINT          NULL,
        [TokensUsed]             BIGINT          NOT NULL CONSTRAINT [DF_TokenMaster_TokensUsed] DEFAULT (0),
        [TokensReserved]         BIGINT          NOT NULL CONSTRAINT [DF_TokenMaster_TokensReserved] DEFAULT (0),
        [ExpiresAtUtc]           DATETIME2(7)    NULL,
        [RequestsPerMinute]      INT             NULL,
        [RequestsPerDay]         INT             NULL,
        [TokensPerMinute]        BIGINT          NULL,
        [TokensPerDay]           BIGINT          NULL,
        [Weight]                 INT             NOT NULL CONSTRAINT [DF_TokenMaster_Weight] DEFAULT (1),
        [CooldownUntilUtc]       DATETIME2(7)    NULL,
        [UsageThresholdNotified] INT             NOT NULL CONSTRAINT [DF_TokenMaster_UsageThresholdNotified] DEFAULT (0),
        [CreatedAtUtc]           DATETIME2(7)    NOT NULL,
        [UpdatedAtUtc]           DATETIME2(7)    NOT NULL,
        CONSTRAINT [PK_TokenMaster] PRIMARY KEY CLUSTERED ([TokenId]),
        CONSTRAINT [CK_TokenMaster_Status] CHECK ([Status] BETWEEN 0 AND 3),
        CONSTRAINT [CK_TokenMaster_TokensUsed] CHECK ([TokensUsed] >= 0),
        CONSTRAINT [CK_TokenMaster_TokensReserved] CHECK ([TokensReserved] >= 0),
        CONSTRAINT [CK_TokenMaster_Weight] CHECK ([Weight] >= 1)
    );
    CREATE INDEX [IX_TokenMaster_CompanyId] ON [{schema}].[TokenMaster] ([CompanyId], [TokenId]);
    CREATE INDEX [IX_TokenMaster_ProjectId] ON [{schema}].[TokenMaster] ([ProjectId]);
    CREATE INDEX [IX_TokenMaster_SecretKeyId] ON [{schema}].[TokenMaster] ([SecretKeyId]);
END;
GO
IF OBJECT_ID(N'[{schema}].[TokenStatusHistory]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[TokenStatusHistory] (
        [Id]           BIGINT IDENTITY(1, 1) NOT NULL,
        [TokenId]      NVARCHAR(128) COLLATE Latin1_General_100_BIN2  NOT NULL,
        [FromStatus]   TINYINT        NOT NULL,
        [ToStatus]     TINYINT        NOT NULL,
        [Reason]       NVARCHAR(1000) NULL,
        [ChangedAtUtc] DATETIME2(7)   NOT NULL,
        CONSTRAINT [PK_TokenStatusHistory] PRIMARY KEY CLUSTERED ([Id])
    );
    CREATE INDEX [IX_TokenStatusHistory_TokenId] ON [{schema}].[TokenStatusHistory] ([TokenId], [Id]);
END;
GO
IF OBJECT_ID(N'[{schema}].[QuotaProjects]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[QuotaProjects] (
        [ProjectId]         NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [RequestsPerMinute] INT           NULL,
        [RequestsPerDay]    INT           NULL,
        [TokensPerMinute]   BIGINT        NULL,
        [TokensPerDay]      BIGINT        NULL,
        [BlockedUntilUtc]   DATETIME2(7)  NULL,
        [UpdatedAtUtc]      DATETIME2(7)  NOT NULL,
        CONSTRAINT [PK_QuotaProjects] PRIMARY KEY CLUSTERED ([ProjectId])
    );
END;
GO
IF OBJECT_ID(N'[{schema}].[QuotaWindows]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[QuotaWindows] (
        [Scope]          TINYINT       NOT NULL,
        [ScopeId]        NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [WindowKind]     TINYINT       NOT NULL,
        [WindowStartUtc] DATETIME2(7)  NOT NULL,
        [Requests]       BIGINT        NOT NULL CONSTRAINT [DF_QuotaWindows_Requests] DEFAULT (0),
        [Tokens]         BIGINT        NOT NULL CONSTRAINT [DF_QuotaWindows_Tokens] DEFAULT (0),
        CONSTRAINT [PK_QuotaWindows] PRIMARY KEY CLUSTERED ([Scope], [ScopeId], [WindowKind], [WindowStartUtc])
    );
    CREATE INDEX [IX_QuotaWindows_WindowStartUtc] ON [{schema}].[QuotaWindows] ([WindowStartUtc]);
END;
GO
IF OBJECT_ID(N'[{schema}].[QuotaReservations]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[QuotaReservations] (
        [ReservationId]        NVARCHAR(64) COLLATE Latin1_General_100_BIN2  NOT NULL,
        [TokenId]              NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [CompanyId]            NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [ProjectId]            NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [Tokens]               BIGINT        NOT NULL,
        [MinuteWindowStartUtc] DATETIME2(7)  NOT NULL,
        [DayWindowStartUtc]    DATETIME2(7)  NOT NULL,
        [CreatedAtUtc]         DATETIME2(7)  NOT NULL,
        [ExpiresAtUtc]         DATETIME2(7)  NOT NULL,
        CONSTRAINT [PK_QuotaReservations] PRIMARY KEY CLUSTERED ([ReservationId])
    );
    CREATE INDEX [IX_QuotaReservations_ExpiresAtUtc] ON [{schema}].[QuotaReservations] ([ExpiresAtUtc]);
END;
GO
IF OBJECT_ID(N'[{schema}].[TokenUsageLogs]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[TokenUsageLogs] (
        [Id]                BIGINT IDENTITY(1, 1) NOT NULL,
        [UsageId]           NVARCHAR(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [OperationId]       NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [Attempt]           INT           NOT NULL,
        [CompanyId]         NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [Branch]            NVARCHAR(256) COLLATE Latin1_General_100_BIN2 NULL,
        [UserId]            NVARCHAR(256) COLLATE Latin1_General_100_BIN2 NULL,
        [TokenId]           NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [ProjectId]         NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NULL,
        [Model]             NVARCHAR(128) NOT NULL,
        [ResponseId]        NVARCHAR(256) NULL,
        [FileName]          NVARCHAR(512) NULL,
        [InputTokens]       BIGINT        NOT NULL,
        [OutputTokens]      BIGINT        NOT NULL,
        [TextTokens]        BIGINT        NOT NULL,
        [ImageTokens]       BIGINT        NOT NULL,
        [DocumentTokens]    BIGINT        NOT NULL,
        [CachedTokens]      BIGINT        NOT NULL,
        [ThoughtsTokens]    BIGINT        NOT NULL,
        [ToolUseTokens]     BIGINT        NOT NULL,
        [TotalTokens]       BIGINT        NOT NULL,
        [RequestCount]      INT           NOT NULL,
        [Outcome]           TINYINT       NOT NULL,
        [FailureKind]       NVARCHAR(64)  NULL,
        [StartedAtUtc]      DATETIME2(7)  NOT NULL,
        [CompletedAtUtc]    DATETIME2(7)  NOT NULL,
        [UsageDate]         DATE          NOT NULL,
        [UsageMetadataJson] NVARCHAR(MAX) NULL,
        [RecordedAtUtc]     DATETIME2(7)  NOT NULL,
        CONSTRAINT [PK_TokenUsageLogs] PRIMARY KEY CLUSTERED ([Id]),
        CONSTRAINT [UQ_TokenUsageLogs_UsageId] UNIQUE ([UsageId])
    );
    CREATE INDEX [IX_TokenUsageLogs_Company_Date] ON [{schema}].[TokenUsageLogs] ([CompanyId], [UsageDate], [CompletedAtUtc]);
    CREATE INDEX [IX_TokenUsageLogs_OperationId] ON [{schema}].[TokenUsageLogs] ([OperationId]) INCLUDE ([Outcome]);
END;
GO
IF OBJECT_ID(N'[{schema}].[TokenUsageSummary]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[TokenUsageSummary] (
        [TokenId]        NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [UsageDate]      DATE          NOT NULL,
        [CompanyId]      NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [RequestCount]   BIGINT        NOT NULL CONSTRAINT [DF_TokenUsageSummary_RequestCount] DEFAULT (0),
        [FailedRequests] BIGINT        NOT NULL CONSTRAINT [DF_TokenUsageSummary_FailedRequests] DEFAULT (0),
        [InputTokens]    BIGINT        NOT NULL CONSTRAINT [DF_TokenUsageSummary_InputTokens] DEFAULT (0),
        [OutputTokens]   BIGINT        NOT NULL CONSTRAINT [DF_TokenUsageSummary_OutputTokens] DEFAULT (0),
        [CachedTokens]   BIGINT        NOT NULL CONSTRAINT [DF_TokenUsageSummary_CachedTokens] DEFAULT (0),
        [ThoughtsTokens] BIGINT        NOT NULL CONSTRAINT [DF_TokenUsageSummary_ThoughtsTokens] DEFAULT (0),
        [TotalTokens]    BIGINT        NOT NULL CONSTRAINT [DF_TokenUsageSummary_TotalTokens] DEFAULT (0),
        [LastUsedAtUtc]  DATETIME2(7)  NOT NULL,
        CONSTRAINT [PK_TokenUsageSummary] PRIMARY KEY CLUSTERED ([TokenId], [UsageDate])
    );
    CREATE INDEX [IX_TokenUsageSummary_Company_Date] ON [{schema}].[TokenUsageSummary] ([CompanyId], [UsageDate]);
END;
GO
IF OBJECT_ID(N'[{schema}].[RetryAttempts]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[RetryAttempts] (
        [Id]            BIGINT IDENTITY(1, 1) NOT NULL,
        [OperationId]   NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [AttemptNumber] INT           NOT NULL,
        [CompanyId]     NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [TokenId]       NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NULL,
        [ErrorKind]     NVARCHAR(64)  NOT NULL,
        [HttpStatus]    INT           NULL,
        [DelayTicks]    BIGINT        NOT NULL,
        [IsFailover]    BIT           NOT NULL,
        [OccurredAtUtc] DATETIME2(7)  NOT NULL,
        [RecordedAtUtc] DATETIME2(7)  NOT NULL,
        CONSTRAINT [PK_RetryAttempts] PRIMARY KEY CLUSTERED ([Id]),
        CONSTRAINT [UQ_RetryAttempts_Operation_Attempt] UNIQUE ([OperationId], [AttemptNumber])
    );
    CREATE INDEX [IX_RetryAttempts_OccurredAtUtc] ON [{schema}].[RetryAttempts] ([OccurredAtUtc]);
END;
GO
IF OBJECT_ID(N'[{schema}].[ApplicationLogs]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[ApplicationLogs] (
        [Id]           BIGINT IDENTITY(1, 1) NOT NULL,
        [TimestampUtc] DATETIME2(7)   NOT NULL,
        [Level]        TINYINT        NOT NULL,
        [LevelName]    NVARCHAR(16)   NOT NULL,
        [Category]     NVARCHAR(256)  NOT NULL,
        [EventId]      INT            NOT NULL,
        [EventName]    NVARCHAR(256)  NULL,
        [Message]      NVARCHAR(MAX)  NOT NULL,
        [Exception]    NVARCHAR(MAX)  NULL,
        [Scope]        NVARCHAR(4000) NULL,
        [CompanyId]    NVARCHAR(128) COLLATE Latin1_General_100_BIN2  NULL,
        CONSTRAINT [PK_ApplicationLogs] PRIMARY KEY CLUSTERED ([Id])
    );
    CREATE INDEX [IX_ApplicationLogs_Level_Timestamp] ON [{schema}].[ApplicationLogs] ([Level], [TimestampUtc]);
    CREATE INDEX [IX_ApplicationLogs_Timestamp] ON [{schema}].[ApplicationLogs] ([TimestampUtc]);
END;
GO
CREATE OR ALTER VIEW [{schema}].[vw_TokenStatus] AS
SELECT t.[TokenId], t.[CompanyId], t.[CompanyName], t.[ProjectId], t.[Provider], t.[SecretMasked],
       CASE t.[Status] WHEN 0 THEN N'Active' WHEN 1 THEN N'Expired' WHEN 2 THEN N'Exceeded' ELSE N'Disabled' END AS [StatusName],
       t.[StatusReason], t.[LifetimeTokenLimit], t.[TokensUsed], t.[TokensReserved],
       CASE WHEN t.[LifetimeTokenLimit] IS NULL THEN NULL
            WHEN t.[LifetimeTokenLimit] - t.[TokensUsed] - t.[TokensReserved] < 0 THEN CAST(0 AS BIGINT)
            ELSE t.[LifetimeTokenLimit] - t.[TokensUsed] - t.[TokensReserved] END AS [TokensRemaining],
       CASE WHEN t.[LifetimeTokenLimit] IS NULL OR t.[LifetimeTokenLimit] = 0 THEN NULL
            ELSE CAST(ROUND(100.0 * t.[TokensUsed] / t.[LifetimeTokenLimit], 2) AS DECIMAL(9, 2)) END AS [UsagePercent],
       t.[ExpiresAtUtc], t.[CooldownUntilUtc], t.[Weight], t.[UpdatedAtUtc]
FROM [{schema}].[TokenMaster] AS t;
GO
CREATE OR ALTER VIEW [{schema}].[vw_UsageSummary] AS
SELECT s.[CompanyId], t.[CompanyName], s.[UsageDate], s.[TokenId], t.[ProjectId],
       s.[RequestCount], s.[FailedRequests], s.[InputTokens], s.[OutputTokens], s.[CachedTokens], s.[ThoughtsTokens], s.[TotalTokens],
       s.[LastUsedAtUtc]
FROM [{schema}].[TokenUsageSummary] AS s
LEFT JOIN [{schema}].[TokenMaster] AS t ON t.[TokenId] = s.[TokenId];
GO
CREATE OR ALTER VIEW [{schema}].[vw_RecentErrors] AS
SELECT l.[Id], l.[TimestampUtc], l.[LevelName], l.[Category], l.[EventId], l.[EventName], l.[Message], l.[Exception], l.[CompanyId]
FROM [{schema}].[ApplicationLogs] AS l
WHERE l.[Level] >= 4 AND l.[TimestampUtc] >= DATEADD(DAY, -1, SYSUTCDATETIME());
GO
CREATE OR ALTER VIEW [{schema}].[vw_FailedRetries] AS
SELECT r.[OperationId], r.[AttemptNumber], r.[CompanyId], r.[TokenId], r.[ErrorKind], r.[HttpStatus], r.[DelayTicks] / 10000 AS [DelayMs], r.[IsFailover], r.[OccurredAtUtc]
FROM [{schema}].[RetryAttempts] AS r
WHERE NOT EXISTS (SELECT 1 FROM [{schema}].[TokenUsageLogs] AS u WHERE u.[OperationId] = r.[OperationId] AND u.[Outcome] = 0);
