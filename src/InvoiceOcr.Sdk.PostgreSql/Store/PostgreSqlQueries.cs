namespace InvoiceOcr.Sdk.PostgreSql.Store;

/// <summary>
/// Every statement the PostgreSQL store issues at run time, as constants with a <c>{schema}</c> token and named
/// <c>@parameters</c> only (never concatenated values; Npgsql rewrites them to positional ones). A parameter that may be
/// bound to null is cast where PostgreSQL could not infer its type.
/// </summary>
/// <remarks>
/// Lock order, the same in every writer so concurrent instances never deadlock: the reservation row (settle, release,
/// reclaim: one reservation per transaction), then TokenMaster (<c>FOR UPDATE</c>), then QuotaWindows in primary-key order (key minute, key day, project
/// minute, project day; a statement that touches several rows locks them <c>ORDER BY</c> the key first), then
/// QuotaReservations (insert); the ledger inserts in id order, then TokenUsageSummary in key and day order. Reclaim picks
/// expired reservations with <c>FOR UPDATE SKIP LOCKED</c>, so instances reclaiming at once never wait on each other.
/// </remarks>
internal static class PostgreSqlQueries
{
    /// <summary>The database clock: the real time of the statement, not the transaction's start.</summary>
    public const string Now = "SELECT clock_timestamp();";

    private const string KeyColumns =
        "\"TokenId\", \"CompanyId\", \"CompanyName\", \"ProjectId\", \"Provider\", \"AllowedModels\", \"SecretCiphertext\", \"SecretKeyId\", \"Status\", \"StatusReason\", " +
        "\"LifetimeTokenLimit\", \"TokensUsed\", \"TokensReserved\", \"ExpiresAtUtc\", \"RequestsPerMinute\", \"RequestsPerDay\", \"TokensPerMinute\", \"TokensPerDay\", " +
        "\"Weight\", \"CooldownUntilUtc\", \"UsageThresholdNotified\", \"CreatedAtUtc\", \"UpdatedAtUtc\"";

    public const string InsertKey =
        "INSERT INTO \"{schema}\".\"TokenMaster\" (\"TokenId\", \"CompanyId\", \"CompanyName\", \"ProjectId\", \"Provider\", \"AllowedModels\", \"SecretCiphertext\", \"SecretKeyId\", \"SecretMasked\", " +
        "\"Status\", \"StatusReason\", \"LifetimeTokenLimit\", \"TokensUsed\", \"TokensReserved\", \"ExpiresAtUtc\", \"RequestsPerMinute\", \"RequestsPerDay\", \"TokensPerMinute\", \"TokensPerDay\", " +
        "\"Weight\", \"CooldownUntilUtc\", \"UsageThresholdNotified\", \"CreatedAtUtc\", \"UpdatedAtUtc\") " +
        "VALUES (@id, @companyId, @companyName::text, @projectId, @provider, @models, @cipher, @keyId, @masked, @status, @reason::text, @lifetime::bigint, @used, 0, @expires::timestamptz, " +
        "@rpm::integer, @rpd::integer, @tpm::bigint, @tpd::bigint, @weight, NULL, 0, @now, @now) " +
        "ON CONFLICT (\"TokenId\") DO NOTHING;";

    public const string SelectKey = "SELECT " + KeyColumns + " FROM \"{schema}\".\"TokenMaster\" WHERE \"TokenId\" = @id;";

    public const string SelectKeysByCompany = "SELECT " + KeyColumns + " FROM \"{schema}\".\"TokenMaster\" WHERE \"CompanyId\" = @companyId ORDER BY \"TokenId\";";

    /// <summary>Key <c>id</c>'s status, the row locked for the transaction.</summary>
    public const string SelectStatus = "SELECT \"Status\" FROM \"{schema}\".\"TokenMaster\" WHERE \"TokenId\" = @id FOR UPDATE;";

    /// <summary>Changes key <c>id</c>'s status from <c>from</c> to <c>status</c>; affects 1 row when it still was <c>from</c>.</summary>
    public const string ChangeStatus =
        "UPDATE \"{schema}\".\"TokenMaster\" SET \"Status\" = @status, \"StatusReason\" = @reason::text, \"UpdatedAtUtc\" = @now WHERE \"TokenId\" = @id AND \"Status\" = @from;";

    public const string InsertTransition =
        "INSERT INTO \"{schema}\".\"TokenStatusHistory\" (\"TokenId\", \"FromStatus\", \"ToStatus\", \"Reason\", \"ChangedAtUtc\") VALUES (@id, @from, @to, @reason::text, @now);";

    public const string SelectTransitions =
        "SELECT \"TokenId\", \"FromStatus\", \"ToStatus\", \"Reason\", \"ChangedAtUtc\" FROM \"{schema}\".\"TokenStatusHistory\" WHERE \"TokenId\" = @id ORDER BY \"Id\";";

    public const string UpdateLimits =
        "UPDATE \"{schema}\".\"TokenMaster\" SET \"LifetimeTokenLimit\" = @lifetime::bigint, \"ExpiresAtUtc\" = @expires::timestamptz, \"RequestsPerMinute\" = @rpm::integer, " +
        "\"RequestsPerDay\" = @rpd::integer, \"TokensPerMinute\" = @tpm::bigint, \"TokensPerDay\" = @tpd::bigint, \"Weight\" = @weight, \"UpdatedAtUtc\" = @now WHERE \"TokenId\" = @id;";

    public const string MarkThreshold =
        "UPDATE \"{schema}\".\"TokenMaster\" SET \"UsageThresholdNotified\" = @percent WHERE \"TokenId\" = @id AND \"UsageThresholdNotified\" < @percent;";

    public const string UpsertProjectLimits =
        "INSERT INTO \"{schema}\".\"QuotaProjects\" AS p (\"ProjectId\", \"RequestsPerMinute\", \"RequestsPerDay\", \"TokensPerMinute\", \"TokensPerDay\", \"BlockedUntilUtc\", \"UpdatedAtUtc\") " +
        "VALUES (@projectId, @rpm::integer, @rpd::integer, @tpm::bigint, @tpd::bigint, NULL, @now) " +
        "ON CONFLICT (\"ProjectId\") DO UPDATE SET \"RequestsPerMinute\" = EXCLUDED.\"RequestsPerMinute\", \"RequestsPerDay\" = EXCLUDED.\"RequestsPerDay\", " +
        "\"TokensPerMinute\" = EXCLUDED.\"TokensPerMinute\", \"TokensPerDay\" = EXCLUDED.\"TokensPerDay\", \"UpdatedAtUtc\" = EXCLUDED.\"UpdatedAtUtc\";";

    public const string SelectProject =
        "SELECT \"ProjectId\", \"RequestsPerMinute\", \"RequestsPerDay\", \"TokensPerMinute\", \"TokensPerDay\", \"BlockedUntilUtc\" FROM \"{schema}\".\"QuotaProjects\" WHERE \"ProjectId\" = @projectId;";

    /// <summary>A batch of secrets sealed with another master key, locked; rows another rotation holds are skipped.</summary>
    public const string SelectStaleSecrets =
        "SELECT \"TokenId\", \"SecretKeyId\", \"SecretCiphertext\", \"CompanyId\", \"ProjectId\" FROM \"{schema}\".\"TokenMaster\" WHERE \"SecretKeyId\" <> @current ORDER BY \"TokenId\" LIMIT 100 FOR UPDATE SKIP LOCKED;";

    public const string SelectSecretsAfter =
        "SELECT \"TokenId\", \"SecretKeyId\", \"SecretCiphertext\", \"CompanyId\", \"ProjectId\" FROM \"{schema}\".\"TokenMaster\" WHERE \"TokenId\" > @after ORDER BY \"TokenId\" LIMIT 100 FOR UPDATE;";

    public const string UpdateSecret =
        "UPDATE \"{schema}\".\"TokenMaster\" SET \"SecretCiphertext\" = @cipher, \"SecretKeyId\" = @keyId WHERE \"TokenId\" = @id;";

    /// <summary>
    /// The key row a reservation decides on, locked for the transaction (the first lock every reservation takes), with its
    /// project's row as columns 12-17 (NULLs without one), read but not locked (<c>FOR UPDATE OF t</c>).
    /// </summary>
    public const string SelectKeyForReserve =
        "SELECT t.\"CompanyId\", t.\"ProjectId\", t.\"Status\", t.\"ExpiresAtUtc\", t.\"LifetimeTokenLimit\", t.\"TokensUsed\", t.\"TokensReserved\", t.\"CooldownUntilUtc\", " +
        "t.\"RequestsPerMinute\", t.\"RequestsPerDay\", t.\"TokensPerMinute\", t.\"TokensPerDay\", " +
        "p.\"ProjectId\", p.\"RequestsPerMinute\", p.\"RequestsPerDay\", p.\"TokensPerMinute\", p.\"TokensPerDay\", p.\"BlockedUntilUtc\" " +
        "FROM \"{schema}\".\"TokenMaster\" AS t LEFT JOIN \"{schema}\".\"QuotaProjects\" AS p ON p.\"ProjectId\" = t.\"ProjectId\" WHERE t.\"TokenId\" = @id FOR UPDATE OF t;";

    /// <summary>
    /// Locks the project's row for the rest of the reservation (after the key row, before any window): a project's windows
    /// are shared by its keys, and the sums <see cref="CountWindow"/> checks are exact only while no other key of the
    /// project counts in them.
    /// </summary>
    public const string LockProject =
        "SELECT 1 FROM \"{schema}\".\"QuotaProjects\" WHERE \"ProjectId\" = @projectId FOR UPDATE;";

    /// <summary>
    /// Counts one request and its tokens in the row at <c>@start</c> (creating it, stamping when) if they fit the window's
    /// sums over its rows from <c>@from</c> on (61 one-second slots, a later one counted by a caller whose clock read later, or one day), the row at <c>@from</c>
    /// only when it counted something after <c>@since</c>; returns a row when counted and none when full. Read committed
    /// gives the statement a fresh snapshot taken after the key's and project's row locks, which every count in the scope
    /// takes first, so the sums are exact.
    /// </summary>
    public const string CountWindow =
        "INSERT INTO \"{schema}\".\"QuotaWindows\" AS w (\"Scope\", \"ScopeId\", \"WindowKind\", \"WindowStartUtc\", \"Requests\", \"Tokens\", \"LastCountedUtc\") " +
        "SELECT @scope, @scopeId, @kind, @start, 1, @tokens::bigint, @now FROM (SELECT COALESCE(SUM(\"Requests\"), 0) AS \"CountedRequests\", COALESCE(SUM(\"Tokens\"), 0) AS \"CountedTokens\" " +
        "FROM \"{schema}\".\"QuotaWindows\" WHERE \"Scope\" = @scope AND \"ScopeId\" = @scopeId AND \"WindowKind\" = @kind AND \"WindowStartUtc\" >= @from " +
        "AND (\"WindowStartUtc\" > @from OR \"LastCountedUtc\" IS NULL OR \"LastCountedUtc\" > @since)) AS c " +
        "WHERE (@requestLimit::integer IS NULL OR c.\"CountedRequests\" + 1 <= @requestLimit::integer) AND (@tokenLimit::bigint IS NULL OR c.\"CountedTokens\" + @tokens::bigint <= @tokenLimit::bigint) " +
        "ON CONFLICT (\"Scope\", \"ScopeId\", \"WindowKind\", \"WindowStartUtc\") DO UPDATE SET \"Requests\" = w.\"Requests\" + 1, \"Tokens\" = w.\"Tokens\" + EXCLUDED.\"Tokens\", " +
        "\"LastCountedUtc\" = GREATEST(w.\"LastCountedUtc\", EXCLUDED.\"LastCountedUtc\") " +
        "RETURNING 1;";

    public const string ReserveLifetime =
        "UPDATE \"{schema}\".\"TokenMaster\" SET \"TokensReserved\" = \"TokensReserved\" + @tokens WHERE \"TokenId\" = @id AND \"Status\" = 0 " +
        "AND (\"LifetimeTokenLimit\" IS NULL OR \"TokensUsed\" + \"TokensReserved\" + @tokens <= \"LifetimeTokenLimit\");";

    public const string InsertReservation =
        "INSERT INTO \"{schema}\".\"QuotaReservations\" (\"ReservationId\", \"TokenId\", \"CompanyId\", \"ProjectId\", \"Tokens\", \"InputTokens\", \"MinuteWindowStartUtc\", \"DayWindowStartUtc\", \"CreatedAtUtc\", \"ExpiresAtUtc\") " +
        "VALUES (@id, @keyId, @companyId, @projectId, @tokens, @inputTokens, @minute, @day, @now, @expires);";

    public const string DeleteReservation =
        "DELETE FROM \"{schema}\".\"QuotaReservations\" WHERE \"ReservationId\" = @id " +
        "RETURNING \"TokenId\", \"ProjectId\", \"Tokens\", \"MinuteWindowStartUtc\", \"DayWindowStartUtc\", COALESCE(\"InputTokens\", \"Tokens\");";

    public const string SettleKey =
        "UPDATE \"{schema}\".\"TokenMaster\" SET \"TokensUsed\" = \"TokensUsed\" + @actual, \"TokensReserved\" = GREATEST(\"TokensReserved\" - @reserved, 0), \"UpdatedAtUtc\" = @now " +
        "WHERE \"TokenId\" = @id RETURNING \"TokensUsed\", \"LifetimeTokenLimit\", \"Status\";";

    public const string ReleaseKey =
        "UPDATE \"{schema}\".\"TokenMaster\" SET \"TokensReserved\" = GREATEST(\"TokensReserved\" - @reserved, 0) WHERE \"TokenId\" = @id;";

    /// <summary>Corrects the four windows of a reservation, locking them in primary-key order first (the order reservations lock them in).</summary>
    public const string AdjustWindowTokens =
        "UPDATE \"{schema}\".\"QuotaWindows\" AS w SET \"Tokens\" = GREATEST(w.\"Tokens\" + CASE WHEN w.\"WindowKind\" = 0 THEN @minuteDelta::bigint ELSE @dayDelta::bigint END, 0) " +
        "FROM (SELECT \"Scope\", \"ScopeId\", \"WindowKind\", \"WindowStartUtc\" FROM \"{schema}\".\"QuotaWindows\" " +
        "WHERE ((\"Scope\" = 0 AND \"ScopeId\" = @keyId) OR (\"Scope\" = 1 AND \"ScopeId\" = @projectId)) " +
        "AND ((\"WindowKind\" = 0 AND \"WindowStartUtc\" = @minute) OR (\"WindowKind\" = 1 AND \"WindowStartUtc\" = @day)) " +
        "ORDER BY \"Scope\", \"ScopeId\", \"WindowKind\", \"WindowStartUtc\" FOR UPDATE) AS l " +
        "WHERE w.\"Scope\" = l.\"Scope\" AND w.\"ScopeId\" = l.\"ScopeId\" AND w.\"WindowKind\" = l.\"WindowKind\" AND w.\"WindowStartUtc\" = l.\"WindowStartUtc\";";

    public const string SetCooldown =
        "UPDATE \"{schema}\".\"TokenMaster\" SET \"CooldownUntilUtc\" = GREATEST(\"CooldownUntilUtc\", @until) WHERE \"TokenId\" = @id RETURNING \"CooldownUntilUtc\";";

    public const string BlockProject =
        "INSERT INTO \"{schema}\".\"QuotaProjects\" AS p (\"ProjectId\", \"BlockedUntilUtc\", \"UpdatedAtUtc\") VALUES (@projectId, @until, @now) " +
        "ON CONFLICT (\"ProjectId\") DO UPDATE SET \"BlockedUntilUtc\" = GREATEST(p.\"BlockedUntilUtc\", EXCLUDED.\"BlockedUntilUtc\"), \"UpdatedAtUtc\" = EXCLUDED.\"UpdatedAtUtc\" " +
        "RETURNING \"BlockedUntilUtc\";";

    public const string SelectWindow =
        "SELECT \"WindowStartUtc\", \"Requests\", \"Tokens\", \"LastCountedUtc\" FROM \"{schema}\".\"QuotaWindows\" WHERE \"Scope\" = @scope AND \"ScopeId\" = @scopeId AND \"WindowKind\" = @kind " +
        "AND \"WindowStartUtc\" >= @from ORDER BY \"WindowStartUtc\";";

    /// <summary>
    /// Up to 1,000 expired reservations, oldest first, as a queue: rows another instance is settling or reclaiming right
    /// now are skipped, not waited on (<c>SKIP LOCKED</c>); each is then charged in a transaction of its own.
    /// </summary>
    public const string SelectExpiredReservations =
        "SELECT \"ReservationId\" FROM \"{schema}\".\"QuotaReservations\" WHERE \"ExpiresAtUtc\" <= @now ORDER BY \"ExpiresAtUtc\", \"ReservationId\" LIMIT 1000 FOR UPDATE SKIP LOCKED;";

    public const string PruneWindows =
        "DELETE FROM \"{schema}\".\"QuotaWindows\" WHERE (\"WindowKind\" = 0 AND \"WindowStartUtc\" < @minuteCutoff) OR (\"WindowKind\" = 1 AND \"WindowStartUtc\" < @dayCutoff);";

    private const string UsageColumns =
        "\"UsageId\", \"OperationId\", \"Attempt\", \"CompanyId\", \"Branch\", \"UserId\", \"TokenId\", \"ProjectId\", \"Model\", \"ResponseId\", \"FileName\", " +
        "\"InputTokens\", \"OutputTokens\", \"TextTokens\", \"ImageTokens\", \"DocumentTokens\", \"CachedTokens\", \"ThoughtsTokens\", \"ToolUseTokens\", \"TotalTokens\", \"RequestCount\", " +
        "\"Outcome\", \"FailureKind\", \"StartedAtUtc\", \"CompletedAtUtc\", \"UsageMetadataJson\", \"CostNanos\", \"Currency\", \"ServiceTier\"";

    /// <summary>Inserts a ledger row unless its <c>UsageId</c> is there (a replay); returns a row only when inserted.</summary>
    public const string InsertUsage =
        "INSERT INTO \"{schema}\".\"TokenUsageLogs\" (" + UsageColumns + ", \"UsageDate\", \"RecordedAtUtc\") " +
        "VALUES (@id, @operationId, @attempt, @companyId, @branch::text, @userId::text, @keyId, @projectId::text, @model, @responseId::text, @fileName::text, @input, @output, @text, @image, " +
        "@document, @cached, @thoughts, @toolUse, @total, @requests, @outcome, @failureKind::text, @startedAt, @completedAt, @json::text, @costNanos::bigint, @currency::text, @serviceTier, @usageDate, @now) " +
        "ON CONFLICT (\"UsageId\") DO NOTHING;";

    public const string UpsertSummary =
        "INSERT INTO \"{schema}\".\"TokenUsageSummary\" AS s (\"TokenId\", \"UsageDate\", \"CompanyId\", \"RequestCount\", \"FailedRequests\", \"InputTokens\", \"OutputTokens\", " +
        "\"CachedTokens\", \"ThoughtsTokens\", \"TotalTokens\", \"LastUsedAtUtc\") VALUES (@keyId, @usageDate, @companyId, @requests, @failed, @input, @output, @cached, @thoughts, @total, @lastUsed) " +
        "ON CONFLICT (\"TokenId\", \"UsageDate\") DO UPDATE SET \"RequestCount\" = s.\"RequestCount\" + EXCLUDED.\"RequestCount\", \"FailedRequests\" = s.\"FailedRequests\" + EXCLUDED.\"FailedRequests\", " +
        "\"InputTokens\" = s.\"InputTokens\" + EXCLUDED.\"InputTokens\", \"OutputTokens\" = s.\"OutputTokens\" + EXCLUDED.\"OutputTokens\", \"CachedTokens\" = s.\"CachedTokens\" + EXCLUDED.\"CachedTokens\", " +
        "\"ThoughtsTokens\" = s.\"ThoughtsTokens\" + EXCLUDED.\"ThoughtsTokens\", \"TotalTokens\" = s.\"TotalTokens\" + EXCLUDED.\"TotalTokens\", " +
        "\"LastUsedAtUtc\" = GREATEST(s.\"LastUsedAtUtc\", EXCLUDED.\"LastUsedAtUtc\");";

    public const string SelectUsage = "SELECT " + UsageColumns + " FROM \"{schema}\".\"TokenUsageLogs\" WHERE \"UsageId\" = @id;";

    private const string UsageFilter =
        " FROM \"{schema}\".\"TokenUsageLogs\" WHERE \"CompanyId\" = @companyId AND (@branch::text IS NULL OR \"Branch\" = @branch::text) AND (@userId::text IS NULL OR \"UserId\" = @userId::text) " +
        "AND (@fromDay::date IS NULL OR \"UsageDate\" >= @fromDay::date) AND (@toDay::date IS NULL OR \"UsageDate\" <= @toDay::date)";

    public const string ListUsage = "SELECT " + UsageColumns + UsageFilter + " ORDER BY \"CompletedAtUtc\", \"UsageId\";";

    public const string SummarizeUsage =
        "SELECT g.\"GroupBranch\", g.\"GroupUser\", g.\"GroupDay\", SUM(g.\"RequestCount\")::bigint, SUM(CASE WHEN g.\"Outcome\" = 1 THEN 1 ELSE 0 END)::bigint, " +
        "SUM(g.\"InputTokens\")::bigint, SUM(g.\"OutputTokens\")::bigint, SUM(g.\"CachedTokens\")::bigint, SUM(g.\"ThoughtsTokens\")::bigint, SUM(g.\"TotalTokens\")::bigint, SUM(g.\"CostNanos\")::bigint, MAX(g.\"Currency\")::text " +
        "FROM (SELECT CASE WHEN @byBranch = 1 THEN \"Branch\" END AS \"GroupBranch\", CASE WHEN @byUser = 1 THEN \"UserId\" END AS \"GroupUser\", " +
        "CASE WHEN @byDay = 1 THEN \"UsageDate\" END AS \"GroupDay\", \"RequestCount\", \"Outcome\", \"InputTokens\", \"OutputTokens\", \"CachedTokens\", \"ThoughtsTokens\", \"TotalTokens\", \"CostNanos\", \"Currency\"" +
        UsageFilter + ") AS g GROUP BY g.\"GroupBranch\", g.\"GroupUser\", g.\"GroupDay\" ORDER BY g.\"GroupBranch\", g.\"GroupUser\", g.\"GroupDay\";";

    public const string EnsureBudgetMonth =
        "INSERT INTO \"{schema}\".\"BudgetMonths\" (\"CompanyId\", \"MonthStart\", \"SpentNanos\", \"ReservedNanos\", \"UpdatedAtUtc\") VALUES (@companyId, @month, 0, 0, @now) " +
        "ON CONFLICT (\"CompanyId\", \"MonthStart\") DO NOTHING;";

    public const string ReserveBudget =
        "UPDATE \"{schema}\".\"BudgetMonths\" SET \"ReservedNanos\" = \"ReservedNanos\" + @nanos, \"UpdatedAtUtc\" = @now " +
        "WHERE \"CompanyId\" = @companyId AND \"MonthStart\" = @month AND (@limit::bigint IS NULL OR \"SpentNanos\" + \"ReservedNanos\" + @nanos <= @limit::bigint);";

    public const string SelectBudgetMonth =
        "SELECT \"SpentNanos\", \"ReservedNanos\" FROM \"{schema}\".\"BudgetMonths\" WHERE \"CompanyId\" = @companyId AND \"MonthStart\" = @month;";

    public const string InsertBudgetReservation =
        "INSERT INTO \"{schema}\".\"BudgetReservations\" (\"ReservationId\", \"CompanyId\", \"MonthStart\", \"Nanos\", \"CreatedAtUtc\", \"ExpiresAtUtc\") VALUES (@id, @companyId, @month, @nanos, @now, @expires);";

    public const string DeleteBudgetReservation =
        "DELETE FROM \"{schema}\".\"BudgetReservations\" WHERE \"ReservationId\" = @id RETURNING \"CompanyId\", \"MonthStart\", \"Nanos\";";

    public const string SettleBudget =
        "UPDATE \"{schema}\".\"BudgetMonths\" SET \"SpentNanos\" = \"SpentNanos\" + @actual, \"ReservedNanos\" = GREATEST(\"ReservedNanos\" - @reserved, 0), \"UpdatedAtUtc\" = @now " +
        "WHERE \"CompanyId\" = @companyId AND \"MonthStart\" = @month RETURNING \"SpentNanos\", \"ReservedNanos\";";

    public const string SelectExpiredBudgetReservations =
        "SELECT \"ReservationId\" FROM \"{schema}\".\"BudgetReservations\" WHERE \"ExpiresAtUtc\" <= @now ORDER BY \"ExpiresAtUtc\", \"ReservationId\";";

    public const string InsertRetry =
        "INSERT INTO \"{schema}\".\"RetryAttempts\" (\"OperationId\", \"AttemptNumber\", \"CompanyId\", \"TokenId\", \"ErrorKind\", \"HttpStatus\", \"DelayTicks\", \"IsFailover\", \"OccurredAtUtc\", \"RecordedAtUtc\") " +
        "VALUES (@operationId, @attempt, @companyId, @keyId::text, @errorKind, @httpStatus::integer, @delay, @failover, @occurredAt, @now) " +
        "ON CONFLICT (\"OperationId\", \"AttemptNumber\") DO NOTHING;";

    public const string InsertOperation =
        "INSERT INTO \"{schema}\".\"Operations\" (\"OperationId\", \"CompanyId\", \"DocumentSha256\", \"State\", \"ClaimedUntilUtc\", \"AttemptCount\", \"CreatedAtUtc\") " +
        "VALUES (@id, @companyId, @sha::text, 0, @until, 0, @now) ON CONFLICT (\"OperationId\") DO NOTHING;";

    /// <summary>Takes over a failed operation or a lapsed claim; a concurrent taker waits on the row lock and then finds it in progress.</summary>
    public const string TakeOverOperation =
        "UPDATE \"{schema}\".\"Operations\" SET \"State\" = 0, \"ClaimedUntilUtc\" = @until, \"FailureKind\" = NULL, \"DocumentSha256\" = COALESCE(@sha::text, \"DocumentSha256\") " +
        "WHERE \"OperationId\" = @id AND (\"State\" = 2 OR (\"State\" = 0 AND \"ClaimedUntilUtc\" <= @now));";

    public const string SelectOperation =
        "SELECT \"OperationId\", \"CompanyId\", \"DocumentSha256\", \"State\", \"ClaimedUntilUtc\", \"AttemptCount\", \"OutcomeJson\", \"FailureKind\", \"CreatedAtUtc\", \"CompletedAtUtc\" " +
        "FROM \"{schema}\".\"Operations\" WHERE \"OperationId\" = @id;";

    public const string CompleteOperation =
        "UPDATE \"{schema}\".\"Operations\" SET \"State\" = @state, \"OutcomeJson\" = @outcome::text, \"FailureKind\" = @failureKind::text, \"CompletedAtUtc\" = @now " +
        "WHERE \"OperationId\" = @id AND \"State\" <> 1;";

    public const string InsertAttempt =
        "INSERT INTO \"{schema}\".\"OperationAttempts\" (\"AttemptId\", \"OperationId\", \"AttemptNumber\", \"CompanyId\", \"TokenId\", \"ProjectId\", \"ReservationId\", \"EstimatedTokens\", \"State\", \"StartedAtUtc\", \"ExpiresAtUtc\", \"EstimatedInputTokens\") " +
        "VALUES (@id, @operationId, @attempt, @companyId, @keyId, @projectId::text, @reservationId::text, @estimate, 0, @startedAt, @expiresAt, @inputEstimate::bigint) ON CONFLICT (\"AttemptId\") DO NOTHING;";

    public const string CountAttempt =
        "UPDATE \"{schema}\".\"Operations\" SET \"AttemptCount\" = GREATEST(\"AttemptCount\", @attempt), " +
        "\"ClaimedUntilUtc\" = CASE WHEN \"State\" = 0 AND \"ClaimedUntilUtc\" < @expiresAt THEN @expiresAt ELSE \"ClaimedUntilUtc\" END " +
        "WHERE \"OperationId\" = @operationId AND (\"AttemptCount\" < @attempt OR (\"State\" = 0 AND \"ClaimedUntilUtc\" < @expiresAt));";

    /// <summary>Attempt <c>id</c>, its row locked for the transaction (the first lock of ending an attempt).</summary>
    public const string SelectAttempt =
        "SELECT \"OperationId\", \"AttemptNumber\", \"CompanyId\", \"TokenId\", \"ProjectId\", \"ReservationId\", \"EstimatedTokens\", \"State\", \"StartedAtUtc\", \"EstimatedInputTokens\" " +
        "FROM \"{schema}\".\"OperationAttempts\" WHERE \"AttemptId\" = @id FOR UPDATE;";

    public const string SelectAttemptByReservation =
        "SELECT \"AttemptId\" FROM \"{schema}\".\"OperationAttempts\" WHERE \"ReservationId\" = @reservationId AND \"State\" = 0 FOR UPDATE;";

    public const string EndAttempt =
        "UPDATE \"{schema}\".\"OperationAttempts\" SET \"State\" = @state, \"EndedAtUtc\" = @now WHERE \"AttemptId\" = @id AND \"State\" = @from;";

    public const string RechargeKey =
        "UPDATE \"{schema}\".\"TokenMaster\" SET \"TokensUsed\" = GREATEST(\"TokensUsed\" + @delta, 0) WHERE \"TokenId\" = @id;";

    public const string SelectInFlightAttempts =
        "SELECT \"AttemptId\" FROM \"{schema}\".\"OperationAttempts\" WHERE \"State\" = 0 " +
        "AND ((@before::timestamptz IS NOT NULL AND \"StartedAtUtc\" < @before::timestamptz) OR (@before::timestamptz IS NULL AND \"ExpiresAtUtc\" <= @now)) " +
        "ORDER BY \"StartedAtUtc\", \"AttemptId\";";

    public const string ListUnknownAttempts =
        "SELECT \"AttemptId\", \"OperationId\", \"AttemptNumber\", \"CompanyId\", \"TokenId\", \"ProjectId\", \"EstimatedTokens\", \"StartedAtUtc\", \"EndedAtUtc\" " +
        "FROM \"{schema}\".\"OperationAttempts\" WHERE \"State\" = 2 AND (@companyId::text IS NULL OR \"CompanyId\" = @companyId::text) " +
        "ORDER BY \"EndedAtUtc\", \"StartedAtUtc\", \"AttemptId\";";

    public const string SelectRetries =
        "SELECT \"OperationId\", \"AttemptNumber\", \"CompanyId\", \"TokenId\", \"ErrorKind\", \"HttpStatus\", \"DelayTicks\", \"IsFailover\", \"OccurredAtUtc\" " +
        "FROM \"{schema}\".\"RetryAttempts\" WHERE \"OperationId\" = @operationId ORDER BY \"AttemptNumber\";";

    public const string InsertLog =
        "INSERT INTO \"{schema}\".\"ApplicationLogs\" (\"TimestampUtc\", \"Level\", \"LevelName\", \"Category\", \"EventId\", \"EventName\", \"Message\", \"Exception\", \"Scope\", \"CompanyId\") " +
        "VALUES (@timestamp, @level, @levelName, @category, @eventId, @eventName::text, @message, @exception::text, @scope::text, @companyId::text);";
}
