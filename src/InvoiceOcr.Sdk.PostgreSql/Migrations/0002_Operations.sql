-- InvoiceOcr.Sdk PostgreSQL schema, version 2: durable operations and the attempt journal (issue 13). {schema} is replaced
-- by the validated schema name. Operation states: 0 InProgress, 1 Succeeded, 2 Failed. Attempt states: 0 InFlight,
-- 1 Ended, 2 OutcomeUnknown. Every statement is idempotent.

CREATE TABLE IF NOT EXISTS "{schema}"."Operations" (
    "OperationId"     TEXT COLLATE "C" NOT NULL,
    "CompanyId"       TEXT COLLATE "C" NOT NULL,
    "DocumentSha256"  TEXT             NULL,
    "State"           SMALLINT         NOT NULL,
    "ClaimedUntilUtc" TIMESTAMPTZ      NOT NULL,
    "AttemptCount"    INTEGER          NOT NULL DEFAULT 0,
    "OutcomeJson"     TEXT             NULL,
    "FailureKind"     TEXT             NULL,
    "CreatedAtUtc"    TIMESTAMPTZ      NOT NULL,
    "CompletedAtUtc"  TIMESTAMPTZ      NULL,
    CONSTRAINT "PK_Operations" PRIMARY KEY ("OperationId"),
    CONSTRAINT "CK_Operations_State" CHECK ("State" BETWEEN 0 AND 2)
);

CREATE TABLE IF NOT EXISTS "{schema}"."OperationAttempts" (
    "AttemptId"       TEXT COLLATE "C" NOT NULL,
    "OperationId"     TEXT COLLATE "C" NOT NULL,
    "AttemptNumber"   INTEGER          NOT NULL,
    "CompanyId"       TEXT COLLATE "C" NOT NULL,
    "TokenId"         TEXT COLLATE "C" NOT NULL,
    "ProjectId"       TEXT COLLATE "C" NULL,
    "ReservationId"   TEXT COLLATE "C" NULL,
    "EstimatedTokens" BIGINT           NOT NULL,
    "State"           SMALLINT         NOT NULL DEFAULT 0,
    "StartedAtUtc"    TIMESTAMPTZ      NOT NULL,
    "ExpiresAtUtc"    TIMESTAMPTZ      NOT NULL,
    "EndedAtUtc"      TIMESTAMPTZ      NULL,
    CONSTRAINT "PK_OperationAttempts" PRIMARY KEY ("AttemptId"),
    CONSTRAINT "CK_OperationAttempts_State" CHECK ("State" BETWEEN 0 AND 2),
    CONSTRAINT "CK_OperationAttempts_EstimatedTokens" CHECK ("EstimatedTokens" >= 0)
);
CREATE INDEX IF NOT EXISTS "IX_OperationAttempts_State_Expires" ON "{schema}"."OperationAttempts" ("State", "ExpiresAtUtc");
CREATE INDEX IF NOT EXISTS "IX_OperationAttempts_State_Company" ON "{schema}"."OperationAttempts" ("State", "CompanyId", "EndedAtUtc");
CREATE INDEX IF NOT EXISTS "IX_OperationAttempts_ReservationId" ON "{schema}"."OperationAttempts" ("ReservationId");
