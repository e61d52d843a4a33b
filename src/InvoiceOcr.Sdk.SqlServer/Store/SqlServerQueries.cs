namespace InvoiceOcr.Sdk.SqlServer.Store;

/// <summary>
/// Every statement the SQL Server store issues at run time, as constants with a <c>{schema}</c> token and named
/// parameters only (never concatenated values). Tests enumerate these constants, parse each with the SQL Server 2022
/// parser and bind its tables and columns against the schema the migrations create.
/// </summary>
/// <remarks>
/// Lock order, the same in every writer so concurrent instances never deadlock: a reservation row (settle, release and
/// reclaim take one reservation per transaction), then TokenMaster, then QuotaWindows (key minute, key day, project
/// minute, project day), then QuotaReservations (insert); the ledger inserts in id order, then TokenUsageSummary in key
/// and day order. The shared store (<c>RelationalInvoiceOcrStore</c>) issues them through <see cref="Internal.SqlServerStatements"/>.
/// </remarks>
internal static class SqlServerQueries
{
    public const string Now = "SELECT SYSUTCDATETIME();";

    private const string KeyColumns =
        "[TokenId], [CompanyId], [CompanyName], [ProjectId], [Provider], [AllowedModels], [SecretCiphertext], [SecretKeyId], [Status], [StatusReason], " +
        "[LifetimeTokenLimit], [TokensUsed], [TokensReserved], [ExpiresAtUtc], [RequestsPerMinute], [RequestsPerDay], [TokensPerMinute], [TokensPerDay], " +
        "[Weight], [CooldownUntilUtc], [UsageThresholdNotified], [CreatedAtUtc], [UpdatedAtUtc]";

    public const string InsertKey =
        "INSERT INTO [{schema}].[TokenMaster] ([TokenId], [CompanyId], [CompanyName], [ProjectId], [Provider], [AllowedModels], [SecretCiphertext], [SecretKeyId], [SecretMasked], " +
        "[Status], [StatusReason], [LifetimeTokenLimit], [TokensUsed], [TokensReserved], [ExpiresAtUtc], [RequestsPerMinute], [RequestsPerDay], [TokensPerMinute], [TokensPerDay], " +
        "[Weight], [CooldownUntilUtc], [UsageThresholdNotified], [CreatedAtUtc], [UpdatedAtUtc]) " +
        "SELECT @id, @companyId, @companyName, @projectId, @provider, @models, @cipher, @keyId, @masked, @status, @reason, @lifetime, @used, 0, @expires, " +
        "@rpm, @rpd, @tpm, @tpd, @weight, NULL, 0, @now, @now " +
        "WHERE NOT EXISTS (SELECT 1 FROM [{schema}].[TokenMaster] WITH (UPDLOCK, HOLDLOCK) WHERE [TokenId] = @id);";

    public const string SelectKey = "SELECT " + KeyColumns + " FROM [{schema}].[TokenMaster] WHERE [TokenId] = @id;";

    public const string SelectKeysByCompany = "SELECT " + KeyColumns + " FROM [{schema}].[TokenMaster] WHERE [CompanyId] = @companyId ORDER BY [TokenId];";

    public const string SelectStatus = "SELECT [Status] FROM [{schema}].[TokenMaster] WITH (UPDLOCK, ROWLOCK) WHERE [TokenId] = @id;";

    public const string ChangeStatus =
        "UPDATE [{schema}].[TokenMaster] SET [Status] = @status, [StatusReason] = @reason, [UpdatedAtUtc] = @now WHERE [TokenId] = @id AND [Status] = @from;";

    public const string InsertTransition =
        "INSERT INTO [{schema}].[TokenStatusHistory] ([TokenId], [FromStatus], [ToStatus], [Reason], [ChangedAtUtc]) VALUES (@id, @from, @to, @reason, @now);";

    public const string SelectTransitions =
        "SELECT [TokenId], [FromStatus], [ToStatus], [Reason], [ChangedAtUtc] FROM [{schema}].[TokenStatusHistory] WHERE [TokenId] = @id ORDER BY [Id];";

    public const string UpdateLimits =
        "UPDATE [{schema}].[TokenMaster] SET [LifetimeTokenLimit] = @lifetime, [ExpiresAtUtc] = @expires, [RequestsPerMinute] = @rpm, [RequestsPerDay] = @rpd, " +
        "[TokensPerMinute] = @tpm, [TokensPerDay] = @tpd, [Weight] = @weight, [UpdatedAtUtc] = @now WHERE [TokenId] = @id;";

    public const string MarkThreshold =
        "UPDATE [{schema}].[TokenMaster] SET [UsageThresholdNotified] = @percent WHERE [TokenId] = @id AND [UsageThresholdNotified] < @percent;";

    public const string UpsertProjectLimits =
        "UPDATE [{schema}].[QuotaProjects] WITH (UPDLOCK, HOLDLOCK) SET [RequestsPerMinute] = @rpm, [RequestsPerDay] = @rpd, [TokensPerMinute] = @tpm, [TokensPerDay] = @tpd, [UpdatedAtUtc] = @now " +
        "WHERE [ProjectId] = @projectId; " +
        "IF @@ROWCOUNT = 0 INSERT INTO [{schema}].[QuotaProjects] ([ProjectId], [RequestsPerMinute], [RequestsPerDay], [TokensPerMinute], [TokensPerDay], [BlockedUntilUtc], [UpdatedAtUtc]) " +
        "VALUES (@projectId, @rpm, @rpd, @tpm, @tpd, NULL, @now);";

    public const string SelectProject =
        "SELECT [ProjectId], [RequestsPerMinute], [RequestsPerDay], [TokensPerMinute], [TokensPerDay], [BlockedUntilUtc] FROM [{schema}].[QuotaProjects] WHERE [ProjectId] = @projectId;";

    public const string SelectStaleSecrets =
        "SELECT TOP (100) [TokenId], [SecretKeyId], [SecretCiphertext], [CompanyId], [ProjectId] FROM [{schema}].[TokenMaster] WITH (UPDLOCK) WHERE [SecretKeyId] <> @current ORDER BY [TokenId];";

    public const string SelectSecretsAfter =
        "SELECT TOP (100) [TokenId], [SecretKeyId], [SecretCiphertext], [CompanyId], [ProjectId] FROM [{schema}].[TokenMaster] WITH (UPDLOCK) WHERE [TokenId] > @after ORDER BY [TokenId];";

    public const string UpdateSecret =
        "UPDATE [{schema}].[TokenMaster] SET [SecretCiphertext] = @cipher, [SecretKeyId] = @keyId WHERE [TokenId] = @id;";

    public const string SelectKeyForReserve =
        "SELECT t.[CompanyId], t.[ProjectId], t.[Status], t.[ExpiresAtUtc], t.[LifetimeTokenLimit], t.[TokensUsed], t.[TokensReserved], t.[CooldownUntilUtc], " +
        "t.[RequestsPerMinute], t.[RequestsPerDay], t.[TokensPerMinute], t.[TokensPerDay], " +
        "p.[ProjectId], p.[RequestsPerMinute], p.[RequestsPerDay], p.[TokensPerMinute], p.[TokensPerDay], p.[BlockedUntilUtc] " +
        "FROM [{schema}].[TokenMaster] AS t WITH (UPDLOCK, ROWLOCK) LEFT JOIN [{schema}].[QuotaProjects] AS p ON p.[ProjectId] = t.[ProjectId] WHERE t.[TokenId] = @id;";

    /// <summary>
    /// Counts one request and its tokens in the row at <c>@start</c> (creating it, stamping when) if they fit the window's
    /// sums over its rows from <c>@from</c> on (61 one-second slots, a later one counted by a caller whose clock read later, or one day), the row at <c>@from</c>
    /// only when it counted something after <c>@since</c>. The rows are read (always: the aggregate is evaluated whatever
    /// the limits) with update and key-range locks held to the end of the transaction (<c>UPDLOCK, HOLDLOCK</c>), so a
    /// concurrent count in the same scope waits for this one and no row can appear in the range meanwhile: the check and
    /// the count are one step, and two callers never insert the same slot.
    /// </summary>
    public const string CountWindow =
        "IF EXISTS (SELECT 1 FROM (SELECT COALESCE(SUM([Requests]), 0) AS [CountedRequests], COALESCE(SUM([Tokens]), 0) AS [CountedTokens] " +
        "FROM [{schema}].[QuotaWindows] WITH (UPDLOCK, HOLDLOCK) WHERE [Scope] = @scope AND [ScopeId] = @scopeId AND [WindowKind] = @kind AND [WindowStartUtc] >= @from " +
        "AND ([WindowStartUtc] > @from OR [LastCountedUtc] IS NULL OR [LastCountedUtc] > @since)) AS c " +
        "WHERE (@requestLimit IS NULL OR c.[CountedRequests] + 1 <= @requestLimit) AND (@tokenLimit IS NULL OR c.[CountedTokens] + @tokens <= @tokenLimit)) " +
        "BEGIN " +
        "UPDATE [{schema}].[QuotaWindows] SET [Requests] = [Requests] + 1, [Tokens] = [Tokens] + @tokens, " +
        "[LastCountedUtc] = CASE WHEN [LastCountedUtc] IS NOT NULL AND [LastCountedUtc] > @now THEN [LastCountedUtc] ELSE @now END " +
        "WHERE [Scope] = @scope AND [ScopeId] = @scopeId AND [WindowKind] = @kind AND [WindowStartUtc] = @start; " +
        "IF @@ROWCOUNT = 0 INSERT INTO [{schema}].[QuotaWindows] ([Scope], [ScopeId], [WindowKind], [WindowStartUtc], [Requests], [Tokens], [LastCountedUtc]) " +
        "VALUES (@scope, @scopeId, @kind, @start, 1, @tokens, @now); " +
        "SELECT 1; " +
        "END " +
        "ELSE SELECT 0;";

    public const string ReserveLifetime =
        "UPDATE [{schema}].[TokenMaster] SET [TokensReserved] = [TokensReserved] + @tokens WHERE [TokenId] = @id AND [Status] = 0 " +
        "AND ([LifetimeTokenLimit] IS NULL OR [TokensUsed] + [TokensReserved] + @tokens <= [LifetimeTokenLimit]);";

    public const string InsertReservation =
        "INSERT INTO [{schema}].[QuotaReservations] ([ReservationId], [TokenId], [CompanyId], [ProjectId], [Tokens], [InputTokens], [MinuteWindowStartUtc], [DayWindowStartUtc], [CreatedAtUtc], [ExpiresAtUtc]) " +
        "VALUES (@id, @keyId, @companyId, @projectId, @tokens, @inputTokens, @minute, @day, @now, @expires);";

    public const string DeleteReservation =
        "DELETE FROM [{schema}].[QuotaReservations] OUTPUT deleted.[TokenId], deleted.[ProjectId], deleted.[Tokens], deleted.[MinuteWindowStartUtc], deleted.[DayWindowStartUtc], COALESCE(deleted.[InputTokens], deleted.[Tokens]) " +
        "WHERE [ReservationId] = @id;";

    public const string SettleKey =
        "UPDATE [{schema}].[TokenMaster] SET [TokensUsed] = [TokensUsed] + @actual, " +
        "[TokensReserved] = CASE WHEN [TokensReserved] - @reserved < 0 THEN 0 ELSE [TokensReserved] - @reserved END, [UpdatedAtUtc] = @now " +
        "OUTPUT inserted.[TokensUsed], inserted.[LifetimeTokenLimit], inserted.[Status] WHERE [TokenId] = @id;";

    public const string ReleaseKey =
        "UPDATE [{schema}].[TokenMaster] SET [TokensReserved] = CASE WHEN [TokensReserved] - @reserved < 0 THEN 0 ELSE [TokensReserved] - @reserved END WHERE [TokenId] = @id;";

    public const string AdjustWindowTokens =
        "UPDATE [{schema}].[QuotaWindows] SET [Tokens] = CASE WHEN [WindowKind] = 0 THEN CASE WHEN [Tokens] + @minuteDelta < 0 THEN 0 ELSE [Tokens] + @minuteDelta END " +
        "ELSE CASE WHEN [Tokens] + @dayDelta < 0 THEN 0 ELSE [Tokens] + @dayDelta END END " +
        "WHERE (([Scope] = 0 AND [ScopeId] = @keyId) OR ([Scope] = 1 AND [ScopeId] = @projectId)) " +
        "AND (([WindowKind] = 0 AND [WindowStartUtc] = @minute) OR ([WindowKind] = 1 AND [WindowStartUtc] = @day));";

    public const string SetCooldown =
        "UPDATE [{schema}].[TokenMaster] SET [CooldownUntilUtc] = CASE WHEN [CooldownUntilUtc] IS NOT NULL AND [CooldownUntilUtc] >= @until THEN [CooldownUntilUtc] ELSE @until END " +
        "OUTPUT inserted.[CooldownUntilUtc] WHERE [TokenId] = @id;";

    public const string BlockProject =
        "UPDATE [{schema}].[QuotaProjects] WITH (UPDLOCK, HOLDLOCK) SET [BlockedUntilUtc] = CASE WHEN [BlockedUntilUtc] IS NOT NULL AND [BlockedUntilUtc] > @until THEN [BlockedUntilUtc] ELSE @until END, " +
        "[UpdatedAtUtc] = @now OUTPUT inserted.[BlockedUntilUtc] WHERE [ProjectId] = @projectId; " +
        "IF @@ROWCOUNT = 0 INSERT INTO [{schema}].[QuotaProjects] ([ProjectId], [BlockedUntilUtc], [UpdatedAtUtc]) OUTPUT inserted.[BlockedUntilUtc] VALUES (@projectId, @until, @now);";

    public const string SelectWindow =
        "SELECT [WindowStartUtc], [Requests], [Tokens], [LastCountedUtc] FROM [{schema}].[QuotaWindows] WHERE [Scope] = @scope AND [ScopeId] = @scopeId AND [WindowKind] = @kind " +
        "AND [WindowStartUtc] >= @from ORDER BY [WindowStartUtc];";

    public const string SelectExpiredReservations =
        "SELECT [ReservationId] FROM [{schema}].[QuotaReservations] WHERE [ExpiresAtUtc] <= @now ORDER BY [ExpiresAtUtc], [ReservationId];";

    public const string PruneWindows =
        "DELETE FROM [{schema}].[QuotaWindows] WHERE ([WindowKind] = 0 AND [WindowStartUtc] < @minuteCutoff) OR ([WindowKind] = 1 AND [WindowStartUtc] < @dayCutoff);";

    private const string UsageColumns =
        "[UsageId], [OperationId], [Attempt], [CompanyId], [Branch], [UserId], [TokenId], [ProjectId], [Model], [ResponseId], [FileName], " +
        "[InputTokens], [OutputTokens], [TextTokens], [ImageTokens], [DocumentTokens], [CachedTokens], [ThoughtsTokens], [ToolUseTokens], [TotalTokens], [RequestCount], " +
        "[Outcome], [FailureKind], [StartedAtUtc], [CompletedAtUtc], [UsageMetadataJson], [CostNanos], [Currency], [ServiceTier]";

    public const string InsertUsage =
        "INSERT INTO [{schema}].[TokenUsageLogs] (" + UsageColumns + ", [UsageDate], [RecordedAtUtc]) " +
        "SELECT @id, @operationId, @attempt, @companyId, @branch, @userId, @keyId, @projectId, @model, @responseId, @fileName, @input, @output, @text, @image, " +
        "@document, @cached, @thoughts, @toolUse, @total, @requests, @outcome, @failureKind, @startedAt, @completedAt, @json, @costNanos, @currency, @serviceTier, @usageDate, @now " +
        "WHERE NOT EXISTS (SELECT 1 FROM [{schema}].[TokenUsageLogs] WITH (UPDLOCK, HOLDLOCK) WHERE [UsageId] = @id);";

    public const string UpsertSummary =
        "UPDATE [{schema}].[TokenUsageSummary] WITH (UPDLOCK, HOLDLOCK) SET [RequestCount] = [RequestCount] + @requests, [FailedRequests] = [FailedRequests] + @failed, " +
        "[InputTokens] = [InputTokens] + @input, [OutputTokens] = [OutputTokens] + @output, [CachedTokens] = [CachedTokens] + @cached, " +
        "[ThoughtsTokens] = [ThoughtsTokens] + @thoughts, [TotalTokens] = [TotalTokens] + @total, " +
        "[LastUsedAtUtc] = CASE WHEN [LastUsedAtUtc] > @lastUsed THEN [LastUsedAtUtc] ELSE @lastUsed END " +
        "WHERE [TokenId] = @keyId AND [UsageDate] = @usageDate; " +
        "IF @@ROWCOUNT = 0 INSERT INTO [{schema}].[TokenUsageSummary] ([TokenId], [UsageDate], [CompanyId], [RequestCount], [FailedRequests], [InputTokens], [OutputTokens], " +
        "[CachedTokens], [ThoughtsTokens], [TotalTokens], [LastUsedAtUtc]) VALUES (@keyId, @usageDate, @companyId, @requests, @failed, @input, @output, @cached, @thoughts, @total, @lastUsed);";

    public const string SelectUsage = "SELECT " + UsageColumns + " FROM [{schema}].[TokenUsageLogs] WHERE [UsageId] = @id;";

    private const string UsageFilter =
        " FROM [{schema}].[TokenUsageLogs] WHERE [CompanyId] = @companyId AND (@branch IS NULL OR [Branch] = @branch) AND (@userId IS NULL OR [UserId] = @userId) " +
        "AND (@fromDay IS NULL OR [UsageDate] >= @fromDay) AND (@toDay IS NULL OR [UsageDate] <= @toDay)";

    public const string ListUsage = "SELECT " + UsageColumns + UsageFilter + " ORDER BY [CompletedAtUtc], [UsageId];";

    public const string SummarizeUsage =
        "SELECT g.[GroupBranch], g.[GroupUser], g.[GroupDay], SUM(CAST(g.[RequestCount] AS BIGINT)), SUM(CASE WHEN g.[Outcome] = 1 THEN CAST(1 AS BIGINT) ELSE 0 END), " +
        "SUM(g.[InputTokens]), SUM(g.[OutputTokens]), SUM(g.[CachedTokens]), SUM(g.[ThoughtsTokens]), SUM(g.[TotalTokens]), SUM(g.[CostNanos]), MAX(g.[Currency]) " +
        "FROM (SELECT CASE WHEN @byBranch = 1 THEN [Branch] END AS [GroupBranch], CASE WHEN @byUser = 1 THEN [UserId] END AS [GroupUser], " +
        "CASE WHEN @byDay = 1 THEN [UsageDate] END AS [GroupDay], [RequestCount], [Outcome], [InputTokens], [OutputTokens], [CachedTokens], [ThoughtsTokens], [TotalTokens], [CostNanos], [Currency]" +
        UsageFilter + ") AS g GROUP BY g.[GroupBranch], g.[GroupUser], g.[GroupDay] ORDER BY g.[GroupBranch], g.[GroupUser], g.[GroupDay];";

    public const string EnsureBudgetMonth =
        "IF NOT EXISTS (SELECT 1 FROM [{schema}].[BudgetMonths] WITH (UPDLOCK, HOLDLOCK) WHERE [CompanyId] = @companyId AND [MonthStart] = @month) " +
        "INSERT INTO [{schema}].[BudgetMonths] ([CompanyId], [MonthStart], [SpentNanos], [ReservedNanos], [UpdatedAtUtc]) VALUES (@companyId, @month, 0, 0, @now);";

    public const string ReserveBudget =
        "UPDATE [{schema}].[BudgetMonths] WITH (UPDLOCK, ROWLOCK) SET [ReservedNanos] = [ReservedNanos] + @nanos, [UpdatedAtUtc] = @now " +
        "WHERE [CompanyId] = @companyId AND [MonthStart] = @month AND (@limit IS NULL OR [SpentNanos] + [ReservedNanos] + @nanos <= @limit);";

    public const string SelectBudgetMonth =
        "SELECT [SpentNanos], [ReservedNanos] FROM [{schema}].[BudgetMonths] WHERE [CompanyId] = @companyId AND [MonthStart] = @month;";

    public const string InsertBudgetReservation =
        "INSERT INTO [{schema}].[BudgetReservations] ([ReservationId], [CompanyId], [MonthStart], [Nanos], [CreatedAtUtc], [ExpiresAtUtc]) VALUES (@id, @companyId, @month, @nanos, @now, @expires);";

    public const string DeleteBudgetReservation =
        "DELETE FROM [{schema}].[BudgetReservations] OUTPUT deleted.[CompanyId], deleted.[MonthStart], deleted.[Nanos] WHERE [ReservationId] = @id;";

    public const string SettleBudget =
        "UPDATE [{schema}].[BudgetMonths] SET [SpentNanos] = [SpentNanos] + @actual, " +
        "[ReservedNanos] = CASE WHEN [ReservedNanos] - @reserved < 0 THEN 0 ELSE [ReservedNanos] - @reserved END, [UpdatedAtUtc] = @now " +
        "OUTPUT inserted.[SpentNanos], inserted.[ReservedNanos] WHERE [CompanyId] = @companyId AND [MonthStart] = @month;";

    public const string SelectExpiredBudgetReservations =
        "SELECT [ReservationId] FROM [{schema}].[BudgetReservations] WHERE [ExpiresAtUtc] <= @now ORDER BY [ExpiresAtUtc], [ReservationId];";

    public const string InsertRetry =
        "INSERT INTO [{schema}].[RetryAttempts] ([OperationId], [AttemptNumber], [CompanyId], [TokenId], [ErrorKind], [HttpStatus], [DelayTicks], [IsFailover], [OccurredAtUtc], [RecordedAtUtc]) " +
        "SELECT @operationId, @attempt, @companyId, @keyId, @errorKind, @httpStatus, @delay, @failover, @occurredAt, @now " +
        "WHERE NOT EXISTS (SELECT 1 FROM [{schema}].[RetryAttempts] WITH (UPDLOCK, HOLDLOCK) WHERE [OperationId] = @operationId AND [AttemptNumber] = @attempt);";

    public const string InsertOperation =
        "INSERT INTO [{schema}].[Operations] ([OperationId], [CompanyId], [DocumentSha256], [State], [ClaimedUntilUtc], [AttemptCount], [CreatedAtUtc]) " +
        "SELECT @id, @companyId, @sha, 0, @until, 0, @now " +
        "WHERE NOT EXISTS (SELECT 1 FROM [{schema}].[Operations] WITH (UPDLOCK, HOLDLOCK) WHERE [OperationId] = @id);";

    public const string TakeOverOperation =
        "UPDATE [{schema}].[Operations] WITH (UPDLOCK, ROWLOCK) SET [State] = 0, [ClaimedUntilUtc] = @until, [FailureKind] = NULL, [DocumentSha256] = COALESCE(@sha, [DocumentSha256]) " +
        "WHERE [OperationId] = @id AND ([State] = 2 OR ([State] = 0 AND [ClaimedUntilUtc] <= @now));";

    public const string SelectOperation =
        "SELECT [OperationId], [CompanyId], [DocumentSha256], [State], [ClaimedUntilUtc], [AttemptCount], [OutcomeJson], [FailureKind], [CreatedAtUtc], [CompletedAtUtc] " +
        "FROM [{schema}].[Operations] WHERE [OperationId] = @id;";

    public const string CompleteOperation =
        "UPDATE [{schema}].[Operations] SET [State] = @state, [OutcomeJson] = @outcome, [FailureKind] = @failureKind, [CompletedAtUtc] = @now " +
        "WHERE [OperationId] = @id AND [State] <> 1;";

    public const string InsertAttempt =
        "INSERT INTO [{schema}].[OperationAttempts] ([AttemptId], [OperationId], [AttemptNumber], [CompanyId], [TokenId], [ProjectId], [ReservationId], [EstimatedTokens], [State], [StartedAtUtc], [ExpiresAtUtc], [EstimatedInputTokens]) " +
        "SELECT @id, @operationId, @attempt, @companyId, @keyId, @projectId, @reservationId, @estimate, 0, @startedAt, @expiresAt, @inputEstimate " +
        "WHERE NOT EXISTS (SELECT 1 FROM [{schema}].[OperationAttempts] WITH (UPDLOCK, HOLDLOCK) WHERE [AttemptId] = @id);";

    public const string CountAttempt =
        "UPDATE [{schema}].[Operations] SET [AttemptCount] = CASE WHEN [AttemptCount] < @attempt THEN @attempt ELSE [AttemptCount] END, " +
        "[ClaimedUntilUtc] = CASE WHEN [State] = 0 AND [ClaimedUntilUtc] < @expiresAt THEN @expiresAt ELSE [ClaimedUntilUtc] END " +
        "WHERE [OperationId] = @operationId AND ([AttemptCount] < @attempt OR ([State] = 0 AND [ClaimedUntilUtc] < @expiresAt));";

    public const string SelectAttempt =
        "SELECT [OperationId], [AttemptNumber], [CompanyId], [TokenId], [ProjectId], [ReservationId], [EstimatedTokens], [State], [StartedAtUtc], [EstimatedInputTokens] " +
        "FROM [{schema}].[OperationAttempts] WITH (UPDLOCK, ROWLOCK) WHERE [AttemptId] = @id;";

    public const string SelectAttemptByReservation =
        "SELECT [AttemptId] FROM [{schema}].[OperationAttempts] WITH (UPDLOCK, ROWLOCK) WHERE [ReservationId] = @reservationId AND [State] = 0;";

    public const string EndAttempt =
        "UPDATE [{schema}].[OperationAttempts] SET [State] = @state, [EndedAtUtc] = @now WHERE [AttemptId] = @id AND [State] = @from;";

    public const string RechargeKey =
        "UPDATE [{schema}].[TokenMaster] SET [TokensUsed] = CASE WHEN [TokensUsed] + @delta < 0 THEN 0 ELSE [TokensUsed] + @delta END WHERE [TokenId] = @id;";

    public const string SelectInFlightAttempts =
        "SELECT [AttemptId] FROM [{schema}].[OperationAttempts] WHERE [State] = 0 " +
        "AND ((@before IS NOT NULL AND [StartedAtUtc] < @before) OR (@before IS NULL AND [ExpiresAtUtc] <= @now)) ORDER BY [StartedAtUtc], [AttemptId];";

    public const string ListUnknownAttempts =
        "SELECT [AttemptId], [OperationId], [AttemptNumber], [CompanyId], [TokenId], [ProjectId], [EstimatedTokens], [StartedAtUtc], [EndedAtUtc] " +
        "FROM [{schema}].[OperationAttempts] WHERE [State] = 2 AND (@companyId IS NULL OR [CompanyId] = @companyId) ORDER BY [EndedAtUtc], [StartedAtUtc], [AttemptId];";

    public const string SelectRetries =
        "SELECT [OperationId], [AttemptNumber], [CompanyId], [TokenId], [ErrorKind], [HttpStatus], [DelayTicks], [IsFailover], [OccurredAtUtc] " +
        "FROM [{schema}].[RetryAttempts] WHERE [OperationId] = @operationId ORDER BY [AttemptNumber];";

    public const string InsertLog =
        "INSERT INTO [{schema}].[ApplicationLogs] ([TimestampUtc], [Level], [LevelName], [Category], [EventId], [EventName], [Message], [Exception], [Scope], [CompanyId]) " +
        "VALUES (@timestamp, @level, @levelName, @category, @eventId, @eventName, @message, @exception, @scope, @companyId);";
}
