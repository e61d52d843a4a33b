-- InvoiceOcr.Sdk SQL Server schema, version 2: durable operations and the attempt journal (issue 13). {schema} is replaced
-- by the validated schema name. Operation states: 0 InProgress, 1 Succeeded, 2 Failed. Attempt states: 0 InFlight,
-- 1 Ended, 2 OutcomeUnknown.
IF OBJECT_ID(N'[{schema}].[Operations]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[Operations] (
        [OperationId]     NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [CompanyId]       NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [DocumentSha256]  NVARCHAR(64)  NULL,
        [State]           TINYINT       NOT NULL,
        [ClaimedUntilUtc] DATETIME2(7)  NOT NULL,
        [AttemptCount]    INT           NOT NULL CONSTRAINT [DF_Operations_AttemptCount] DEFAULT (0),
        [OutcomeJson]     NVARCHAR(MAX) NULL,
        [FailureKind]     NVARCHAR(64)  NULL,
        [CreatedAtUtc]    DATETIME2(7)  NOT NULL,
        [CompletedAtUtc]  DATETIME2(7)  NULL,
        CONSTRAINT [PK_Operations] PRIMARY KEY CLUSTERED ([OperationId]),
        CONSTRAINT [CK_Operations_State] CHECK ([State] BETWEEN 0 AND 2)
    );
END;
GO
IF OBJECT_ID(N'[{schema}].[OperationAttempts]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[OperationAttempts] (
        [AttemptId]       NVARCHAR(200) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [OperationId]     NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [AttemptNumber]   INT           NOT NULL,
        [CompanyId]       NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [TokenId]         NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [ProjectId]       NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NULL,
        [ReservationId]   NVARCHAR(64)  COLLATE Latin1_General_100_BIN2 NULL,
        [EstimatedTokens] BIGINT        NOT NULL,
        [State]           TINYINT       NOT NULL CONSTRAINT [DF_OperationAttempts_State] DEFAULT (0),
        [StartedAtUtc]    DATETIME2(7)  NOT NULL,
        [ExpiresAtUtc]    DATETIME2(7)  NOT NULL,
        [EndedAtUtc]      DATETIME2(7)  NULL,
        CONSTRAINT [PK_OperationAttempts] PRIMARY KEY CLUSTERED ([AttemptId]),
        CONSTRAINT [CK_OperationAttempts_State] CHECK ([State] BETWEEN 0 AND 2),
        CONSTRAINT [CK_OperationAttempts_EstimatedTokens] CHECK ([EstimatedTokens] >= 0)
    );
    CREATE INDEX [IX_OperationAttempts_State_Expires] ON [{schema}].[OperationAttempts] ([State], [ExpiresAtUtc]);
    CREATE INDEX [IX_OperationAttempts_State_Company] ON [{schema}].[OperationAttempts] ([State], [CompanyId], [EndedAtUtc]);
    CREATE INDEX [IX_OperationAttempts_ReservationId] ON [{schema}].[OperationAttempts] ([ReservationId]);
END;
GO
