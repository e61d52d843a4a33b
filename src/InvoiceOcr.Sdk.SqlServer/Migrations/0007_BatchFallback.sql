-- InvoiceOcr.Sdk SQL Server schema: a batch-mode job may let the unfinished items of a failed or expired Gemini batch fall back
-- to interactive calls (FallbackToInteractive, chosen when the job is created); an item that fell back stays on the interactive
-- route (InteractiveFallback, set once and never cleared), so interactive workers lease it and the batch route does not.
IF COL_LENGTH(N'[{schema}].[InvoiceJobs]', N'FallbackToInteractive') IS NULL
    ALTER TABLE [{schema}].[InvoiceJobs] ADD [FallbackToInteractive] BIT NOT NULL CONSTRAINT [DF_InvoiceJobs_FallbackToInteractive] DEFAULT (0);
GO
IF COL_LENGTH(N'[{schema}].[InvoiceJobItems]', N'InteractiveFallback') IS NULL
    ALTER TABLE [{schema}].[InvoiceJobItems] ADD [InteractiveFallback] BIT NOT NULL CONSTRAINT [DF_InvoiceJobItems_InteractiveFallback] DEFAULT (0);
GO
