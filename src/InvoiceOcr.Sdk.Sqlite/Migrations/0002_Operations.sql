-- InvoiceOcr.Sdk SQLite schema, version 2: durable operations and the attempt journal (issue 13).
-- Operation states: 0 InProgress, 1 Succeeded, 2 Failed. Attempt states: 0 InFlight, 1 Ended, 2 OutcomeUnknown.
-- An operation is one logical model call (its id comes from the caller's idempotency key, else it is generated); each
-- attempt is journaled before its request is sent, so after a crash every attempt that was in flight can be named.

CREATE TABLE IF NOT EXISTS Operations (
    OperationId     TEXT    NOT NULL PRIMARY KEY,
    CompanyId       TEXT    NOT NULL,
    DocumentSha256  TEXT    NULL,
    State           INTEGER NOT NULL CHECK (State BETWEEN 0 AND 2),
    ClaimedUntilUtc TEXT    NOT NULL,
    AttemptCount    INTEGER NOT NULL DEFAULT 0,
    OutcomeJson     TEXT    NULL,
    FailureKind     TEXT    NULL,
    CreatedAtUtc    TEXT    NOT NULL,
    CompletedAtUtc  TEXT    NULL
);

CREATE TABLE IF NOT EXISTS OperationAttempts (
    AttemptId       TEXT    NOT NULL PRIMARY KEY,
    OperationId     TEXT    NOT NULL,
    AttemptNumber   INTEGER NOT NULL,
    CompanyId       TEXT    NOT NULL,
    TokenId         TEXT    NOT NULL,
    ProjectId       TEXT    NULL,
    ReservationId   TEXT    NULL,
    EstimatedTokens INTEGER NOT NULL CHECK (EstimatedTokens >= 0),
    State           INTEGER NOT NULL DEFAULT 0 CHECK (State BETWEEN 0 AND 2),
    StartedAtUtc    TEXT    NOT NULL,
    ExpiresAtUtc    TEXT    NOT NULL,
    EndedAtUtc      TEXT    NULL
);
CREATE INDEX IF NOT EXISTS IX_OperationAttempts_State_Expires ON OperationAttempts (State, ExpiresAtUtc);
CREATE INDEX IF NOT EXISTS IX_OperationAttempts_State_Company ON OperationAttempts (State, CompanyId, EndedAtUtc);
CREATE INDEX IF NOT EXISTS IX_OperationAttempts_ReservationId ON OperationAttempts (ReservationId);
