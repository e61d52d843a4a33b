-- InvoiceOcr.Sdk PostgreSQL schema, version 2: what each billed call cost, and monthly budgets in money per company.
-- Money is kept in whole billionths of the currency unit (bigint), so every SUM is exact.
ALTER TABLE "{schema}"."TokenUsageLogs" ADD COLUMN IF NOT EXISTS "CostNanos" bigint NULL;
ALTER TABLE "{schema}"."TokenUsageLogs" ADD COLUMN IF NOT EXISTS "Currency" char(3) NULL;

CREATE TABLE IF NOT EXISTS "{schema}"."BudgetMonths" (
    "CompanyId"     text COLLATE "C" NOT NULL,
    "MonthStart"    date        NOT NULL,
    "SpentNanos"    bigint      NOT NULL DEFAULT 0,
    "ReservedNanos" bigint      NOT NULL DEFAULT 0,
    "UpdatedAtUtc"  timestamptz NOT NULL,
    CONSTRAINT "PK_BudgetMonths" PRIMARY KEY ("CompanyId", "MonthStart")
);

CREATE TABLE IF NOT EXISTS "{schema}"."BudgetReservations" (
    "ReservationId" text COLLATE "C" NOT NULL,
    "CompanyId"     text COLLATE "C" NOT NULL,
    "MonthStart"    date        NOT NULL,
    "Nanos"         bigint      NOT NULL,
    "CreatedAtUtc"  timestamptz NOT NULL,
    "ExpiresAtUtc"  timestamptz NOT NULL,
    CONSTRAINT "PK_BudgetReservations" PRIMARY KEY ("ReservationId")
);
CREATE INDEX IF NOT EXISTS "IX_BudgetReservations_ExpiresAtUtc" ON "{schema}"."BudgetReservations" ("ExpiresAtUtc");
