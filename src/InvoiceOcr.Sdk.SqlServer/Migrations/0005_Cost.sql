-- InvoiceOcr.Sdk SQL Server schema, version 2: what each billed call cost, and monthly budgets in money per company.
-- Money is kept in whole billionths of the currency unit (BIGINT), so every SUM is exact.
IF COL_LENGTH(N'[{schema}].[TokenUsageLogs]', N'CostNanos') IS NULL
    ALTER TABLE [{schema}].[TokenUsageLogs] ADD [CostNanos] BIGINT NULL, [Currency] NCHAR(3) NULL;
GO
IF OBJECT_ID(N'[{schema}].[BudgetMonths]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[BudgetMonths] (
        [CompanyId]     NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [MonthStart]    DATE          NOT NULL,
        [SpentNanos]    BIGINT        NOT NULL CONSTRAINT [DF_BudgetMonths_SpentNanos] DEFAULT (0),
        [ReservedNanos] BIGINT        NOT NULL CONSTRAINT [DF_BudgetMonths_ReservedNanos] DEFAULT (0),
        [UpdatedAtUtc]  DATETIME2(7)  NOT NULL,
        CONSTRAINT [PK_BudgetMonths] PRIMARY KEY CLUSTERED ([CompanyId], [MonthStart])
    );
END;
GO
IF OBJECT_ID(N'[{schema}].[BudgetReservations]', N'U') IS NULL
BEGIN
    CREATE TABLE [{schema}].[BudgetReservations] (
        [ReservationId] NVARCHAR(64)  COLLATE Latin1_General_100_BIN2 NOT NULL,
        [CompanyId]     NVARCHAR(128) COLLATE Latin1_General_100_BIN2 NOT NULL,
        [MonthStart]    DATE          NOT NULL,
        [Nanos]         BIGINT        NOT NULL,
        [CreatedAtUtc]  DATETIME2(7)  NOT NULL,
        [ExpiresAtUtc]  DATETIME2(7)  NOT NULL,
        CONSTRAINT [PK_BudgetReservations] PRIMARY KEY CLUSTERED ([ReservationId])
    );
    CREATE INDEX [IX_BudgetReservations_ExpiresAtUtc] ON [{schema}].[BudgetReservations] ([ExpiresAtUtc]);
END;
