-- InvoiceOcr.Sdk SQL Server schema, version 2: the per-minute window slides (issue 14). Idempotent.
-- Minute rows (WindowKind 0) are one-second slots now; each row records when it last counted a request, so the oldest
-- slot of the 61 a window sums is skipped once everything in it is 60 seconds old. Rows written before this version have
-- no time and are counted whole (on the safe side) until pruned, two minutes later.
IF COL_LENGTH(N'[{schema}].[QuotaWindows]', N'LastCountedUtc') IS NULL
    ALTER TABLE [{schema}].[QuotaWindows] ADD [LastCountedUtc] DATETIME2(7) NULL;
