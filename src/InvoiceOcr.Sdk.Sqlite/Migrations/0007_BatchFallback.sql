-- InvoiceOcr.Sdk SQLite schema: a batch-mode job may let the unfinished items of a failed or expired Gemini batch fall back to
-- interactive calls (FallbackToInteractive, chosen when the job is created); an item that fell back stays on the interactive
-- route (InteractiveFallback, set once and never cleared), so interactive workers lease it and the batch route does not.
ALTER TABLE InvoiceJobs ADD COLUMN FallbackToInteractive INTEGER NOT NULL DEFAULT 0;
ALTER TABLE InvoiceJobItems ADD COLUMN InteractiveFallback INTEGER NOT NULL DEFAULT 0;
