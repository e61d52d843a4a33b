-- InvoiceOcr.Sdk PostgreSQL schema: Gemini batches of batch-mode jobs, and the billing tier of each ledger row.
-- Batch states: 0 Submitting, 1 Submitted, 2 Completed, 3 Abandoned. A batch row is written before its submission (its
-- BatchId is the batch's display name at Gemini), so a crash never submits it twice. Every statement is idempotent.
CREATE TABLE IF NOT EXISTS "{schema}"."InvoiceJobBatches" (
    "BatchId"       TEXT COLLATE "C" NOT NULL,
    "JobId"         TEXT COLLATE "C" NOT NULL,
    "CompanyId"     TEXT COLLATE "C" NOT NULL,
    "KeyId"         TEXT COLLATE "C" NOT NULL,
    "Model"         TEXT             NOT NULL,
    "State"         SMALLINT         NOT NULL,
    "GeminiName"    TEXT             NULL,
    "Detail"        TEXT             NULL,
    "ItemCount"     INTEGER          NOT NULL,
    "EntriesJson"   TEXT             NOT NULL,
    "Owner"         TEXT             NULL,
    "OwnerUntilUtc" TIMESTAMPTZ      NOT NULL,
    "NextPollAtUtc" TIMESTAMPTZ      NOT NULL,
    "Version"       BIGINT           NOT NULL,
    "CreatedAtUtc"  TIMESTAMPTZ      NOT NULL,
    "UpdatedAtUtc"  TIMESTAMPTZ      NOT NULL,
    CONSTRAINT "PK_InvoiceJobBatches" PRIMARY KEY ("BatchId"),
    CONSTRAINT "FK_InvoiceJobBatches_InvoiceJobs" FOREIGN KEY ("JobId") REFERENCES "{schema}"."InvoiceJobs" ("JobId"),
    CONSTRAINT "CK_InvoiceJobBatches_State" CHECK ("State" BETWEEN 0 AND 3)
);
CREATE INDEX IF NOT EXISTS "IX_InvoiceJobBatches_State" ON "{schema}"."InvoiceJobBatches" ("State", "CreatedAtUtc");
CREATE INDEX IF NOT EXISTS "IX_InvoiceJobBatches_JobId" ON "{schema}"."InvoiceJobBatches" ("JobId", "CreatedAtUtc");

-- 0 Standard (interactive), 1 Batch (a request of a Gemini batch, billed at the batch price).
ALTER TABLE "{schema}"."TokenUsageLogs" ADD COLUMN IF NOT EXISTS "ServiceTier" SMALLINT NOT NULL DEFAULT 0;
