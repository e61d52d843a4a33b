-- InvoiceOcr.Sdk PostgreSQL schema, version 2: the per-minute window slides (issue 14). Idempotent.
-- Minute rows (WindowKind 0) are one-second slots now; each row records when it last counted a request, so the oldest
-- slot of the 61 a window sums is skipped once everything in it is 60 seconds old. Rows written before this version have
-- no time and are counted whole (on the safe side) until pruned, two minutes later.
ALTER TABLE "{schema}"."QuotaWindows" ADD COLUMN IF NOT EXISTS "LastCountedUtc" TIMESTAMPTZ NULL;
