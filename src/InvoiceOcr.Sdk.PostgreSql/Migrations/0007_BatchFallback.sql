-- InvoiceOcr.Sdk PostgreSQL schema: a batch-mode job may let the unfinished items of a failed or expired Gemini batch fall back
-- to interactive calls (FallbackToInteractive, chosen when the job is created); an item that fell back stays on the interactive
-- route (InteractiveFallback, set once and never cleared), so interactive workers lease it and the batch route does not.
-- Every statement is idempotent.
ALTER TABLE "{schema}"."InvoiceJobs" ADD COLUMN IF NOT EXISTS "FallbackToInteractive" BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE "{schema}"."InvoiceJobItems" ADD COLUMN IF NOT EXISTS "InteractiveFallback" BOOLEAN NOT NULL DEFAULT FALSE;
