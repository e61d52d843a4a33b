-- InvoiceOcr.Sdk SQL Server schema: Gemini batches of batch-mode jobs, and the billing tier of each ledger row.
-- Batch states: 0 Submitting, 1 Submitted, 2 Completed, 3 Abandoned. A batch row is written before its submission (its
-- BatchId is the batch's display name at Gemini), so a crash never submits it twice.
IF OBJECT_ID(N'[{schema}].[InvoiceJobBatches]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[InvoiceJobBatches] (
        [BatchId]       NVARCHAR(64)   COLLATE Latin1_General_100_BIN2 NOT NULL,
        [JobId]         NVARCHAR(64)   COLLATE Latin1_General_100_BIN2 NOT NULL,
        [CompanyId]     NVARCHAR(128)  COLLATE Latin1_General_100_BIN2 NOT NULL,
        [KeyId]         NVARCHAR(128)  COLLATE Latin1_General_100_BIN2 NOT NULL,
        [Model]         NVARCHAR(128)  NOT NULL,
        [State]         TINYINT        NOT NULL,
        [GeminiName]    NVARCHAR(256)  NULL,
        [Detail]        NVARCHAR(1000) NULL,
        [ItemCount]     INT            NOT NULL,
        [EntriesJson]   NVARCHAR(MAX)  NOT NULL,
        [Owner]         NVARCHAR(256)  NULL,
        [OwnerUntilUtc] DATETIME2(7)   NOT NULL,
        [NextPollAtUtc] DATETIME2(7)   NOT NULL,
        [Version]       BIGINT         NOT NULL,
        [CreatedAtUtc]  DATETIME2(7)   NOT NULL,
        [UpdatedAtUtc]  DATETIME2(7)   NOT NULL,
        CONSTRAINT [PK_InvoiceJobBatches] PRIMARY KEY CLUSTERED ([BatchId]),
        CONSTRAINT [FK_InvoiceJobBatches_InvoiceJobs] FOREIGN KEY ([JobId]) REFERENCES [{schema}].[InvoiceJobs] ([JobId]),
        CONSTRAINT [CK_InvoiceJobBatches_State] CHECK ([State] BETWEEN 0 AND 3)
    );
    CREATE INDEX [IX_InvoiceJobBatches_State] ON [{schema}].[InvoiceJobBatches] ([State], [CreatedAtUtc]);
    CREATE INDEX [IX_InvoiceJobBatches_JobId] ON [{schema}].[InvoiceJobBatches] ([JobId], [CreatedAtUtc]);
END;
GO
-- 0 Standard (interactive), 1 Batch (a request of a Gemini batch, billed at the batch price).
IF COL_LENGTH(N'[{schema}].[TokenUsageLogs]', N'ServiceTier') IS NULL
    ALTER TABLE [{schema}].[TokenUsageLogs] ADD [ServiceTier] TINYINT NOT NULL CONSTRAINT [DF_TokenUsageLogs_ServiceTier] DEFAULT (0);
GO
