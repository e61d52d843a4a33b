-- InvoiceOcr.Sdk SQL Server schema, version 2: batch jobs, their items and the items' transitions (audit trail).
-- Item states: 0 Pending, 1 Processing, 2 Completed, 3 Failed, 4 Retrying, 5 QuotaExceeded, 6 Suspended, 7 Cancelled.
-- Job controls: 0 Active, 1 Suspended, 2 Cancelled. Document sources: 0 File, 1 Uri, 2 Stored.
IF OBJECT_ID(N'[{schema}].[InvoiceJobs]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[InvoiceJobs] (
        [JobId]        NVARCHAR(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
        [CompanyId]    NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [JobKey]       NVARCHAR(256) COLLATE Latin1_General_100_BIN2 NULL,
        [RequestedBy]  NVARCHAR(256) NULL,
        [Branch]       NVARCHAR(256) NULL,
        [UseBatchMode] BIT           NOT NULL CONSTRAINT [DF_InvoiceJobs_UseBatchMode] DEFAULT (0),
        [Control]      TINYINT       NOT NULL CONSTRAINT [DF_InvoiceJobs_Control] DEFAULT (0),
        [Version]      BIGINT        NOT NULL,
        [CreatedAtUtc] DATETIME2(7)  NOT NULL,
        [UpdatedAtUtc] DATETIME2(7)  NOT NULL,
        CONSTRAINT [PK_InvoiceJobs] PRIMARY KEY CLUSTERED ([JobId]),
        CONSTRAINT [CK_InvoiceJobs_Control] CHECK ([Control] BETWEEN 0 AND 2)
    );
    CREATE UNIQUE INDEX [UX_InvoiceJobs_CompanyId_JobKey] ON [{schema}].[InvoiceJobs] ([CompanyId], [JobKey]) WHERE [JobKey] IS NOT NULL;
    CREATE INDEX [IX_InvoiceJobs_CompanyId] ON [{schema}].[InvoiceJobs] ([CompanyId], [CreatedAtUtc]);
END;
GO
IF OBJECT_ID(N'[{schema}].[InvoiceJobItems]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[InvoiceJobItems] (
        [ItemId]            NVARCHAR(64)   COLLATE Latin1_General_100_BIN2 NOT NULL,
        [JobId]             NVARCHAR(64)   COLLATE Latin1_General_100_BIN2 NOT NULL,
        [CompanyId]         NVARCHAR(128)  COLLATE Latin1_General_100_BIN2 NOT NULL,
        [Sequence]          INT            NOT NULL,
        [FileName]          NVARCHAR(512)  NULL,
        [DocumentSha256]    NVARCHAR(64)   COLLATE Latin1_General_100_BIN2 NOT NULL,
        [Source]            TINYINT        NOT NULL,
        [Location]          NVARCHAR(2048) NULL,
        [Content]           VARBINARY(MAX) NULL,
        [State]             TINYINT        NOT NULL,
        [Version]           BIGINT         NOT NULL,
        [LeaseCount]        INT            NOT NULL CONSTRAINT [DF_InvoiceJobItems_LeaseCount] DEFAULT (0),
        [FailureCount]      INT            NOT NULL CONSTRAINT [DF_InvoiceJobItems_FailureCount] DEFAULT (0),
        [LeaseOwner]        NVARCHAR(256)  NULL,
        [LeaseExpiresAtUtc] DATETIME2(7)   NULL,
        [NotBeforeUtc]      DATETIME2(7)   NULL,
        [OperationId]       NVARCHAR(128)  COLLATE Latin1_General_100_BIN2 NOT NULL,
        [ErrorKind]         INT            NULL,
        [ErrorMessage]      NVARCHAR(MAX)  NULL,
        [InvoiceJson]       NVARCHAR(MAX)  NULL,
        [IsPartial]         BIT            NOT NULL CONSTRAINT [DF_InvoiceJobItems_IsPartial] DEFAULT (0),
        [TotalTokens]       INT            NOT NULL CONSTRAINT [DF_InvoiceJobItems_TotalTokens] DEFAULT (0),
        [KeyId]             NVARCHAR(128)  COLLATE Latin1_General_100_BIN2 NULL,
        [CreatedAtUtc]      DATETIME2(7)   NOT NULL,
        [UpdatedAtUtc]      DATETIME2(7)   NOT NULL,
        CONSTRAINT [PK_InvoiceJobItems] PRIMARY KEY CLUSTERED ([ItemId]),
        CONSTRAINT [FK_InvoiceJobItems_InvoiceJobs] FOREIGN KEY ([JobId]) REFERENCES [{schema}].[InvoiceJobs] ([JobId]),
        CONSTRAINT [CK_InvoiceJobItems_State] CHECK ([State] BETWEEN 0 AND 7),
        CONSTRAINT [CK_InvoiceJobItems_Source] CHECK ([Source] BETWEEN 0 AND 2)
    );
    CREATE UNIQUE INDEX [UX_InvoiceJobItems_JobId_Sequence] ON [{schema}].[InvoiceJobItems] ([JobId], [Sequence]);
    CREATE UNIQUE INDEX [UX_InvoiceJobItems_JobId_DocumentSha256] ON [{schema}].[InvoiceJobItems] ([JobId], [DocumentSha256]);
    CREATE INDEX [IX_InvoiceJobItems_State] ON [{schema}].[InvoiceJobItems] ([State], [NotBeforeUtc]);
    CREATE INDEX [IX_InvoiceJobItems_CompanyId_State] ON [{schema}].[InvoiceJobItems] ([CompanyId], [State]);
END;
GO
IF OBJECT_ID(N'[{schema}].[InvoiceJobItemTransitions]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[InvoiceJobItemTransitions] (
        [Id]          BIGINT IDENTITY(1, 1) NOT NULL,
        [ItemId]      NVARCHAR(64)   COLLATE Latin1_General_100_BIN2 NOT NULL,
        [Version]     BIGINT         NOT NULL,
        [FromState]   TINYINT        NOT NULL,
        [ToState]     TINYINT        NOT NULL,
        [Reason]      NVARCHAR(1000) NULL,
        [AtUtc]       DATETIME2(7)   NOT NULL,
        [WorkerId]    NVARCHAR(256)  NULL,
        [OperationId] NVARCHAR(128)  NULL,
        [AttemptId]   NVARCHAR(128)  NULL,
        CONSTRAINT [PK_InvoiceJobItemTransitions] PRIMARY KEY CLUSTERED ([Id])
    );
    CREATE INDEX [IX_InvoiceJobItemTransitions_ItemId] ON [{schema}].[InvoiceJobItemTransitions] ([ItemId], [Id]);
END;
GO
