-- InvoiceOcr.Sdk SQLite schema, version 2: what each billed call cost, and monthly budgets in money per company.
-- Money is kept in whole billionths of the currency unit (INTEGER), so every SUM is exact.
ALTER TABLE TokenUsageLogs ADD COLUMN CostNanos INTEGER NULL;
ALTER TABLE TokenUsageLogs ADD COLUMN Currency TEXT NULL;

-- One row per company and calendar month (UTC; MonthStart is the month's first day).
CREATE TABLE IF NOT EXISTS BudgetMonths (
    CompanyId     TEXT    NOT NULL,
    MonthStart    TEXT    NOT NULL,
    SpentNanos    INTEGER NOT NULL DEFAULT 0,
    ReservedNanos INTEGER NOT NULL DEFAULT 0,
    UpdatedAtUtc  TEXT    NOT NULL,
    PRIMARY KEY (CompanyId, MonthStart)
) WITHOUT ROWID;

-- The maximum cost of each attempt in flight, held against its company's month until settled.
CREATE TABLE IF NOT EXISTS BudgetReservations (
    ReservationId TEXT    NOT NULL PRIMARY KEY,
    CompanyId     TEXT    NOT NULL,
    MonthStart    TEXT    NOT NULL,
    Nanos         INTEGER NOT NULL,
    CreatedAtUtc  TEXT    NOT NULL,
    ExpiresAtUtc  TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS IX_BudgetReservations_ExpiresAtUtc ON BudgetReservations (ExpiresAtUtc);
