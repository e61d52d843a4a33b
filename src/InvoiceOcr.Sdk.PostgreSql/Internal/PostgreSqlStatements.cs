using InvoiceOcr.Sdk.Relational;
using Q = InvoiceOcr.Sdk.PostgreSql.Store.PostgreSqlQueries;

namespace InvoiceOcr.Sdk.PostgreSql.Internal;

/// <summary>The PostgreSQL statements (<see cref="Q"/>, with their <c>{schema}</c> token and row locks) as the shared store takes them.</summary>
internal static class PostgreSqlStatements
{
    /// <summary>The statements; "now" is the database clock (<c>clock_timestamp()</c>) unless the store is given a clock.</summary>
    public static readonly RelationalStatements Instance = new()
    {
        Now = Q.Now,
        InsertKey = Q.InsertKey,
        SelectKey = Q.SelectKey,
        SelectKeysByCompany = Q.SelectKeysByCompany,
        SelectStatus = Q.SelectStatus,
        ChangeStatus = Q.ChangeStatus,
        InsertTransition = Q.InsertTransition,
        SelectTransitions = Q.SelectTransitions,
        UpdateLimits = Q.UpdateLimits,
        MarkThreshold = Q.MarkThreshold,
        UpsertProjectLimits = Q.UpsertProjectLimits,
        SelectProject = Q.SelectProject,
        SelectStaleSecrets = Q.SelectStaleSecrets,
        SelectSecretsAfter = Q.SelectSecretsAfter,
        UpdateSecret = Q.UpdateSecret,
        SelectKeyForReserve = Q.SelectKeyForReserve,
        CountWindow = Q.CountWindow,
        ReserveLifetime = Q.ReserveLifetime,
        InsertReservation = Q.InsertReservation,
        DeleteReservation = Q.DeleteReservation,
        SettleKey = Q.SettleKey,
        ReleaseKey = Q.ReleaseKey,
        AdjustWindowTokens = Q.AdjustWindowTokens,
        SetCooldown = Q.SetCooldown,
        BlockProject = Q.BlockProject,
        SelectWindow = Q.SelectWindow,
        SelectExpiredReservations = Q.SelectExpiredReservations,
        PruneWindows = Q.PruneWindows,
        InsertUsage = Q.InsertUsage,
        UpsertSummary = Q.UpsertSummary,
        SelectUsage = Q.SelectUsage,
        ListUsage = Q.ListUsage,
        SummarizeUsage = Q.SummarizeUsage,
        InsertRetry = Q.InsertRetry,
        SelectRetries = Q.SelectRetries,
        InsertLog = Q.InsertLog,
        InsertOperation = Q.InsertOperation,
        TakeOverOperation = Q.TakeOverOperation,
        SelectOperation = Q.SelectOperation,
        CompleteOperation = Q.CompleteOperation,
        InsertAttempt = Q.InsertAttempt,
        CountAttempt = Q.CountAttempt,
        SelectAttempt = Q.SelectAttempt,
        SelectAttemptByReservation = Q.SelectAttemptByReservation,
        EndAttempt = Q.EndAttempt,
        RechargeKey = Q.RechargeKey,
        SelectInFlightAttempts = Q.SelectInFlightAttempts,
        ListUnknownAttempts = Q.ListUnknownAttempts,
    };
}
