namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// Every statement <see cref="RelationalInvoiceOcrStore"/> issues, in the provider's SQL (with its lock hints).
/// Parameter names carry the dialect's prefix; the names and the columns each statement returns are fixed and listed
/// per property. Values are always bound as parameters, never concatenated.
/// </summary>
/// <remarks>
/// Lock order, the same in every writer so concurrent instances never deadlock: an attempt journal row (ending an
/// attempt, or reclaiming the reservation it holds), then a reservation row (settle, release, reclaim: one reservation
/// per transaction), then TokenMaster, then QuotaProjects (a reservation whose project has limits, see
/// <see cref="LockProject"/>), then QuotaWindows (key minute slots, key day, project minute slots, project day), then
/// QuotaReservations (insert); the ledger inserts in id order, then TokenUsageSummary in key and day
/// order.
/// </remarks>
public sealed class RelationalStatements
{
    /// <summary>
    /// Builds the table from a provider's class of SQL constants: each property takes the <c>const string</c> of the same
    /// name (public or not), so the list of statements is written once, here, and a provider writes only its SQL text.
    /// </summary>
    /// <param name="constants">The provider's class of constants, for example <c>typeof(SqlServerQueries)</c>.</param>
    /// <returns>The table.</returns>
    /// <exception cref="InvalidOperationException">A required statement has no constant.</exception>
    public static RelationalStatements FromConstants([System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicFields | System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.NonPublicFields)] Type constants) =>
        StatementTable.FromConstants<RelationalStatements>(constants);

    /// <summary>Gets the database clock (one row, one UTC time column), or <see langword="null"/> when the store always uses its <see cref="TimeProvider"/>.</summary>
    public string? Now { get; init; }

    /// <summary>Gets the key insert: <c>id, companyId, companyName, projectId, provider, models, cipher, keyId, masked, status, reason, lifetime, used, expires, rpm, rpd, tpm, tpd, weight, now</c>; affects 1 row when new, 0 when the id exists.</summary>
    public required string InsertKey { get; init; }

    /// <summary>Gets the select of key <c>id</c>, its 23 key columns in the order TokenId, CompanyId, CompanyName, ProjectId, Provider, AllowedModels, SecretCiphertext, SecretKeyId, Status, StatusReason, LifetimeTokenLimit, TokensUsed, TokensReserved, ExpiresAtUtc, RequestsPerMinute, RequestsPerDay, TokensPerMinute, TokensPerDay, Weight, CooldownUntilUtc, UsageThresholdNotified, CreatedAtUtc, UpdatedAtUtc.</summary>
    public required string SelectKey { get; init; }

    /// <summary>Gets the select of company <c>companyId</c>'s keys by id, same columns as <see cref="SelectKey"/>.</summary>
    public required string SelectKeysByCompany { get; init; }

    /// <summary>Gets the select (locking the row for update) of key <c>id</c>'s status.</summary>
    public required string SelectStatus { get; init; }

    /// <summary>Gets the status change of key <c>id</c> from <c>from</c> to <c>status</c> with <c>reason</c> at <c>now</c>; affects 1 row when the status still was <c>from</c>.</summary>
    public required string ChangeStatus { get; init; }

    /// <summary>Gets the status history insert: <c>id, from, to, reason, now</c>.</summary>
    public required string InsertTransition { get; init; }

    /// <summary>Gets the select of key <c>id</c>'s transitions in order: TokenId, FromStatus, ToStatus, Reason, ChangedAtUtc.</summary>
    public required string SelectTransitions { get; init; }

    /// <summary>Gets the limits update of key <c>id</c>: <c>lifetime, expires, rpm, rpd, tpm, tpd, weight, now</c>; affects 1 row when the key exists.</summary>
    public required string UpdateLimits { get; init; }

    /// <summary>Gets the threshold mark of key <c>id</c> to <c>percent</c> when lower; affects 1 row when it moved.</summary>
    public required string MarkThreshold { get; init; }

    /// <summary>Gets the upsert of project <c>projectId</c>'s limits: <c>rpm, rpd, tpm, tpd, now</c>.</summary>
    public required string UpsertProjectLimits { get; init; }

    /// <summary>Gets the select of project <c>projectId</c>: ProjectId, the four limits, BlockedUntilUtc.</summary>
    public required string SelectProject { get; init; }

    /// <summary>Gets the select (for update, at most 100 rows, by id) of keys whose secret is sealed with a master key other than <c>current</c>: TokenId, SecretKeyId, SecretCiphertext, CompanyId, ProjectId.</summary>
    public required string SelectStaleSecrets { get; init; }

    /// <summary>Gets the select (for update, at most 100 rows, by id) of keys whose id sorts after <c>after</c>: TokenId, SecretKeyId, SecretCiphertext, CompanyId, ProjectId.</summary>
    public required string SelectSecretsAfter { get; init; }

    /// <summary>Gets the secret update of key <c>id</c>: <c>cipher, keyId</c>.</summary>
    public required string UpdateSecret { get; init; }

    /// <summary>
    /// Gets the select (locking the key row for update) of key <c>id</c>'s admission state: CompanyId, ProjectId,
    /// Status, ExpiresAtUtc, LifetimeTokenLimit, TokensUsed, TokensReserved, CooldownUntilUtc and the four limits. It may
    /// also return the project's row (ProjectId, four limits, BlockedUntilUtc; NULLs without a project row) as columns
    /// 12-17 of a LEFT JOIN, saving <see cref="SelectProject"/>.
    /// </summary>
    public required string SelectKeyForReserve { get; init; }

    /// <summary>
    /// Gets the conditional count of one window: <c>scope, scopeId, kind, from, since, start, now, tokens, requestLimit,
    /// tokenLimit</c>. The window is every row of <c>scope, scopeId, kind</c> starting at <c>from</c> or later (the 61
    /// one-second slots of a sliding minute up to <c>start</c>, or the one row of a day, where <c>from</c> equals
    /// <c>start</c>; a later row, counted by a concurrent reservation that read the clock after this one, counts too),
    /// except the row at <c>from</c> when its LastCountedUtc is at or before <c>since</c>
    /// (<see cref="Storage.QuotaAdmission.InWindow"/>). It adds one request and <c>tokens</c> (the request's input tokens in
    /// a minute window, its total tokens in a day window: <see cref="Storage.QuotaAdmission.WindowTokens"/>) to the row at
    /// <c>start</c> (creating it) and stamps its LastCountedUtc with <c>now</c> (never moving it back) only when
    /// <see cref="Storage.QuotaAdmission.Fits"/> holds for the window's sums, and returns a non-zero scalar when it
    /// counted, <c>NULL</c>, no row or 0 when the window is full. The sums are exact only while no other transaction can
    /// count in the same scope: the key's row lock serializes a key's windows, and <see cref="LockProject"/> (or the
    /// statement's own range locks) a project's.
    /// </summary>
    public required string CountWindow { get; init; }

    /// <summary>
    /// Gets the lock of project <c>projectId</c>'s row for the rest of the transaction (taken after the key row, before any
    /// window), which serializes the project's window counts across its keys; <see langword="null"/> when
    /// <see cref="CountWindow"/> serializes them itself (SQLite's single writer, SQL Server's key-range locks).
    /// </summary>
    public string? LockProject { get; init; }

    /// <summary>Gets the lifetime hold: adds <c>tokens</c> to key <c>id</c>'s reserved tokens when active and within its lifetime limit; affects 1 row when held.</summary>
    public required string ReserveLifetime { get; init; }

    /// <summary>Gets the reservation insert: <c>id, keyId, companyId, projectId, tokens, inputTokens, minute, day, now, expires</c> (<c>inputTokens</c>: what the minute windows hold).</summary>
    public required string InsertReservation { get; init; }

    /// <summary>Gets the delete of reservation <c>id</c>, returning TokenId, ProjectId, Tokens, MinuteWindowStartUtc, DayWindowStartUtc and the input tokens the minute windows hold (InputTokens, or Tokens for a reservation stored without it).</summary>
    public required string DeleteReservation { get; init; }

    /// <summary>Gets the settlement of key <c>id</c>: adds <c>actual</c> to used tokens, takes <c>reserved</c> from reserved (not below 0), stamps <c>now</c>; returns TokensUsed, LifetimeTokenLimit, Status.</summary>
    public required string SettleKey { get; init; }

    /// <summary>Gets the release of key <c>id</c>: takes <c>reserved</c> from its reserved tokens (not below 0).</summary>
    public required string ReleaseKey { get; init; }

    /// <summary>Gets the window correction: adds <c>minuteDelta</c> to the (input) tokens of key <c>keyId</c>'s and project <c>projectId</c>'s minute slots starting at <c>minute</c>, and <c>dayDelta</c> to the (total) tokens of their days starting at <c>day</c>, neither below 0.</summary>
    public required string AdjustWindowTokens { get; init; }

    /// <summary>Gets the cooldown of key <c>id</c> to <c>until</c> unless it already cools down longer; returns the stored CooldownUntilUtc (no row when the key does not exist).</summary>
    public required string SetCooldown { get; init; }

    /// <summary>Gets the day block of project <c>projectId</c> until <c>until</c> (stamped <c>now</c>) unless blocked longer; returns the stored BlockedUntilUtc in some result set.</summary>
    public required string BlockProject { get; init; }

    /// <summary>Gets the select of a window's rows, oldest first: WindowStartUtc, Requests, Tokens, LastCountedUtc (nullable) of the rows of <c>scope, scopeId, kind</c> starting at <c>from</c> or later.</summary>
    public required string SelectWindow { get; init; }

    /// <summary>Gets the select of reservation ids expired at <c>now</c>, oldest first.</summary>
    public required string SelectExpiredReservations { get; init; }

    /// <summary>Gets the delete of minute windows before <c>minuteCutoff</c> and day windows before <c>dayCutoff</c>.</summary>
    public required string PruneWindows { get; init; }

    /// <summary>Gets the usage insert (0 rows for a known id); parameters as the shared ledger binds them.</summary>
    public required string InsertUsage { get; init; }

    /// <summary>Gets the daily summary upsert; parameters as the shared ledger binds them.</summary>
    public required string UpsertSummary { get; init; }

    /// <summary>Gets the select of usage record <c>id</c> (the 28 ledger columns).</summary>
    public required string SelectUsage { get; init; }

    /// <summary>Gets the usage list for a query's filter, by completion time and id.</summary>
    public required string ListUsage { get; init; }

    /// <summary>Gets the usage summary for a query's filter and grouping switches.</summary>
    public required string SummarizeUsage { get; init; }

    /// <summary>Gets the retry attempt insert (0 rows for a known operation and attempt).</summary>
    public required string InsertRetry { get; init; }

    /// <summary>Gets the select of operation <c>operationId</c>'s retry attempts by number.</summary>
    public required string SelectRetries { get; init; }

    /// <summary>Gets the application log insert.</summary>
    public required string InsertLog { get; init; }

    /// <summary>Gets the operation insert: <c>id, companyId, sha, until, now</c> (state in progress, no attempts); affects 1 row when new, 0 when the id exists.</summary>
    public required string InsertOperation { get; init; }

    /// <summary>Gets the take-over of operation <c>id</c> when it failed or its claim lapsed (<c>ClaimedUntilUtc &lt;= now</c>): in progress again until <c>until</c>, failure cleared, the hash set to <c>sha</c> when not null; affects 1 row when taken.</summary>
    public required string TakeOverOperation { get; init; }

    /// <summary>Gets the select of operation <c>id</c>: OperationId, CompanyId, DocumentSha256, State, ClaimedUntilUtc, AttemptCount, OutcomeJson, FailureKind, CreatedAtUtc, CompletedAtUtc.</summary>
    public required string SelectOperation { get; init; }

    /// <summary>Gets the completion of operation <c>id</c> unless it already succeeded: <c>state, outcome, failureKind, now</c>.</summary>
    public required string CompleteOperation { get; init; }

    /// <summary>Gets the attempt journal insert: <c>id, operationId, attempt, companyId, keyId, projectId, reservationId, estimate, startedAt, expiresAt, inputEstimate</c> (in flight; <c>inputEstimate</c> may be null); affects 1 row when new, 0 when the id exists.</summary>
    public required string InsertAttempt { get; init; }

    /// <summary>Gets the update raising operation <c>operationId</c>'s attempt count to <c>attempt</c> when lower and, while it is in progress, holding its claim at least until <c>expiresAt</c> (the attempt's expiry).</summary>
    public required string CountAttempt { get; init; }

    /// <summary>Gets the select (locking the row for update) of attempt <c>id</c>: OperationId, AttemptNumber, CompanyId, TokenId, ProjectId, ReservationId, EstimatedTokens, State, StartedAtUtc, EstimatedInputTokens.</summary>
    public required string SelectAttempt { get; init; }

    /// <summary>Gets the select (locking the row for update) of the in-flight attempt holding reservation <c>reservationId</c>: AttemptId.</summary>
    public required string SelectAttemptByReservation { get; init; }

    /// <summary>Gets the state change of attempt <c>id</c> from <c>from</c> to <c>state</c>, stamped <c>now</c>; affects 1 row when it still was <c>from</c>.</summary>
    public required string EndAttempt { get; init; }

    /// <summary>Gets the charge correction of key <c>id</c>: adds <c>delta</c> to its used tokens (not below 0).</summary>
    public required string RechargeKey { get; init; }

    /// <summary>Gets the select of in-flight attempt ids started before <c>before</c>, or (when <c>before</c> is null) expired at <c>now</c>, oldest first.</summary>
    public required string SelectInFlightAttempts { get; init; }

    /// <summary>Gets the select of outcome-unknown attempts of company <c>companyId</c> (every company's when null), oldest first: AttemptId, OperationId, AttemptNumber, CompanyId, TokenId, ProjectId, EstimatedTokens, StartedAtUtc, EndedAtUtc.</summary>
    public required string ListUnknownAttempts { get; init; }

    /// <summary>Gets the insert of company <c>companyId</c>'s month <c>month</c> with nothing spent (stamped <c>now</c>) unless it exists.</summary>
    public required string EnsureBudgetMonth { get; init; }

    /// <summary>
    /// Gets the conditional reservation: adds <c>nanos</c> to the reserved spend of company <c>companyId</c>'s month
    /// <c>month</c> (stamped <c>now</c>) only when <c>limit</c> is NULL or spent + reserved + <c>nanos</c> stays within it;
    /// affects 1 row when reserved. The check and the count are one statement, so one atomic step.
    /// </summary>
    public required string ReserveBudget { get; init; }

    /// <summary>Gets the select of company <c>companyId</c>'s month <c>month</c>: SpentNanos, ReservedNanos.</summary>
    public required string SelectBudgetMonth { get; init; }

    /// <summary>Gets the budget reservation insert: <c>id, companyId, month, nanos, now, expires</c>.</summary>
    public required string InsertBudgetReservation { get; init; }

    /// <summary>Gets the delete of budget reservation <c>id</c>, returning CompanyId, MonthStart, Nanos.</summary>
    public required string DeleteBudgetReservation { get; init; }

    /// <summary>Gets the settlement of company <c>companyId</c>'s month <c>month</c>: adds <c>actual</c> to spent, takes <c>reserved</c> from reserved (not below 0), stamps <c>now</c>; returns SpentNanos, ReservedNanos.</summary>
    public required string SettleBudget { get; init; }

    /// <summary>Gets the select of budget reservation ids expired at <c>now</c>, oldest first.</summary>
    public required string SelectExpiredBudgetReservations { get; init; }
}
