-- InvoiceOcr.Sdk PostgreSQL schema, version 2: batch jobs, their items and the items' transitions (audit trail).
-- Item states: 0 Pending, 1 Processing, 2 Completed, 3 Failed, 4 Retrying, 5 QuotaExceeded, 6 Suspended, 7 Cancelled.
-- Job controls: 0 Active, 1 Suspended, 2 Cancelled. Document sources: 0 File, 1 Uri, 2 Stored. Every statement is idempotent.
CREATE TABLE IF NOT EXISTS "{schema}"."InvoiceJobs" (
    "JobId"        TEXT COLLATE "C" NOT NULL,
    "CompanyId"    TEXT COLLATE "C" NOT NULL,
    "JobKey"       TEXT COLLATE "C" NULL,
    "RequestedBy"  TEXT             NULL,
    "Branch"       TEXT             NULL,
    "UseBatchMode" BOOLEAN          NOT NULL DEFAULT FALSE,
    "Control"      SMALLINT         NOT NULL DEFAULT 0,
    "Version"      BIGINT           NOT NULL,
    "CreatedAtUtc" TIMESTAMPTZ      NOT NULL,
    "UpdatedAtUtc" TIMESTAMPTZ      NOT NULL,
    CONSTRAINT "PK_InvoiceJobs" PRIMARY KEY ("JobId"),
    CONSTRAINT "CK_InvoiceJobs_Control" CHECK ("Control" BETWEEN 0 AND 2)
);
CREATE UNIQUE INDEX IF NOT EXISTS "UX_InvoiceJobs_CompanyId_JobKey" ON "{schema}"."InvoiceJobs" ("CompanyId", "JobKey") WHERE "JobKey" IS NOT NULL;
CREATE INDEX IF NOT EXISTS "IX_InvoiceJobs_CompanyId" ON "{schema}"."InvoiceJobs" ("CompanyId", "CreatedAtUtc");

CREATE TABLE IF NOT EXISTS "{schema}"."InvoiceJobItems" (
    "ItemId"            TEXT COLLATE "C" NOT NULL,
    "JobId"             TEXT COLLATE "C" NOT NULL,
    "CompanyId"         TEXT COLLATE "C" NOT NULL,
    "Sequence"          INTEGER          NOT NULL,
    "FileName"          TEXT             NULL,
    "DocumentSha256"    TEXT COLLATE "C" NOT NULL,
    "Source"            SMALLINT         NOT NULL,
    "Location"          TEXT             NULL,
    "Content"           BYTEA            NULL,
    "State"             SMALLINT         NOT NULL,
    "Version"           BIGINT           NOT NULL,
    "LeaseCount"        INTEGER          NOT NULL DEFAULT 0,
    "FailureCount"      INTEGER          NOT NULL DEFAULT 0,
    "LeaseOwner"        TEXT             NULL,
    "LeaseExpiresAtUtc" TIMESTAMPTZ      NULL,
    "NotBeforeUtc"      TIMESTAMPTZ      NULL,
    "OperationId"       TEXT COLLATE "C" NOT NULL,
    "ErrorKind"         INTEGER          NULL,
    "ErrorMessage"      TEXT             NULL,
    "InvoiceJson"       TEXT             NULL,
    "IsPartial"         BOOLEAN          NOT NULL DEFAULT FALSE,
    "TotalTokens"       INTEGER          NOT NULL DEFAULT 0,
    "KeyId"             TEXT COLLATE "C" NULL,
    "CreatedAtUtc"      TIMESTAMPTZ      NOT NULL,
    "UpdatedAtUtc"      TIMESTAMPTZ      NOT NULL,
    CONSTRAINT "PK_InvoiceJobItems" PRIMARY KEY ("ItemId"),
    CONSTRAINT "FK_InvoiceJobItems_InvoiceJobs" FOREIGN KEY ("JobId") REFERENCES "{schema}"."InvoiceJobs" ("JobId"),
    CONSTRAINT "CK_InvoiceJobItems_State" CHECK ("State" BETWEEN 0 AND 7),
    CONSTRAINT "CK_InvoiceJobItems_Source" CHECK ("Source" BETWEEN 0 AND 2)
);
CREATE UNIQUE INDEX IF NOT EXISTS "UX_InvoiceJobItems_JobId_Sequence" ON "{schema}"."InvoiceJobItems" ("JobId", "Sequence");
CREATE UNIQUE INDEX IF NOT EXISTS "UX_InvoiceJobItems_JobId_DocumentSha256" ON "{schema}"."InvoiceJobItems" ("JobId", "DocumentSha256");
CREATE INDEX IF NOT EXISTS "IX_InvoiceJobItems_State" ON "{schema}"."InvoiceJobItems" ("State", "NotBeforeUtc");
CREATE INDEX IF NOT EXISTS "IX_InvoiceJobItems_CompanyId_State" ON "{schema}"."InvoiceJobItems" ("CompanyId", "State");

CREATE TABLE IF NOT EXISTS "{schema}"."InvoiceJobItemTransitions" (
    "Id"          BIGINT GENERATED ALWAYS AS IDENTITY,
    "ItemId"      TEXT COLLATE "C" NOT NULL,
    "Version"     BIGINT           NOT NULL,
    "FromState"   SMALLINT         NOT NULL,
    "ToState"     SMALLINT         NOT NULL,
    "Reason"      TEXT             NULL,
    "AtUtc"       TIMESTAMPTZ      NOT NULL,
    "WorkerId"    TEXT             NULL,
    "OperationId" TEXT             NULL,
    "AttemptId"   TEXT             NULL,
    CONSTRAINT "PK_InvoiceJobItemTransitions" PRIMARY KEY ("Id")
);
CREATE INDEX IF NOT EXISTS "IX_InvoiceJobItemTransitions_ItemId" ON "{schema}"."InvoiceJobItemTransitions" ("ItemId", "Id");
