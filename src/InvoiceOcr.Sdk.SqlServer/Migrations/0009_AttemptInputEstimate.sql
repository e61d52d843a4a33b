-- InvoiceOcr.Sdk SQL Server schema: the input-token estimate of each journaled attempt, what it holds in the per-minute
-- windows (they count input tokens since 0008). A billed record replayed after the attempt was charged at its estimate
-- (resolved as outcome-unknown, or its expired reservation reclaimed) corrects the minute slot by the billed input tokens
-- minus it. NULL (an attempt journaled before this migration): the minute slot keeps what it was charged, because what that
-- was is not known here (a reservation from before 0008 charged its total, one after it its input estimate).
IF COL_LENGTH(N'[{schema}].[OperationAttempts]', N'EstimatedInputTokens') IS NULL
    ALTER TABLE [{schema}].[OperationAttempts] ADD [EstimatedInputTokens] BIGINT NULL;
GO
