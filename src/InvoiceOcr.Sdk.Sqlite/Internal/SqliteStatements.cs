using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk.Sqlite.Internal;

/// <summary>
/// Every statement the SQLite store issues, as constants with named parameters only (never concatenated values), and
/// the <see cref="RelationalStatements"/> the shared store runs. SQLite has one write lock per file (every write
/// transaction is <c>BEGIN IMMEDIATE</c>), so the statements need no lock hints.
/// </summary>
internal static class SqliteStatements
{
    private const string KeyColumns =
        "TokenId, CompanyId, CompanyName, ProjectId, Provider, AllowedModels, SecretCiphertext, SecretKeyId, Status, StatusReason, " +
        "LifetimeTokenLimit, TokensUsed, TokensReserved, ExpiresAtUtc, RequestsPerMinute, RequestsPerDay, TokensPerMinute, TokensPerDay, " +
        "Weight, CooldownUntilUtc, UsageThresholdNotified, CreatedAtUtc, UpdatedAtUtc";

    public const string InsertKey =
        "INSERT INTO TokenMaster (TokenId, CompanyId, CompanyName, ProjectId, Provider, AllowedModels, SecretCiphertext, SecretKeyId, SecretMasked, " +
        "Status, StatusReason, LifetimeTokenLimit, TokensUsed, TokensReserved, ExpiresAtUtc, RequestsPerMinute, RequestsPerDay, TokensPerMinute, TokensPerDay, " +
        "Weight, CooldownUntilUtc, UsageThresholdNotified, CreatedAtUtc, UpdatedAtUtc) " +
        "VALUES ($id, $companyId, $companyName, $projectId, $provider, $models, $cipher, $keyId, $masked, $status, $reason, $lifetime, $used, 0, $expires, " +
        "$rpm, $rpd, $tpm, $tpd, $weight, NULL, 0, $now, $now) ON CONFLICT (TokenId) DO NOTHING;";

    public const string SelectKey =
        "SELECT " + KeyColumns + " FROM TokenMaster WHERE TokenId = $id;";

    public const string SelectKeysByCompany =
        "SELECT " + KeyColumns + " FROM TokenMaster WHERE CompanyId = $companyId ORDER BY TokenId;";

    public const string SelectStatus =
        "SELECT Status FROM TokenMaster WHERE TokenId = $id;";

    public const string ChangeStatus =
        "UPDATE TokenMaster SET Status = $status, StatusReason = $reason, UpdatedAtUtc = $now WHERE TokenId = $id AND Status = $from;";

    public const string InsertTransition =
        "INSERT INTO TokenStatusHistory (TokenId, FromStatus, ToStatus, Reason, ChangedAtUtc) VALUES ($id, $from, $to, $reason, $now);";

    public const string SelectTransitions =
        "SELECT TokenId, FromStatus, ToStatus, Reason, ChangedAtUtc FROM TokenStatusHistory WHERE TokenId = $id ORDER BY Id;";

    public const string UpdateLimits =
        "UPDATE TokenMaster SET LifetimeTokenLimit = $lifetime, ExpiresAtUtc = $expires, RequestsPerMinute = $rpm, RequestsPerDay = $rpd, " +
        "TokensPerMinute = $tpm, TokensPerDay = $tpd, Weight = $weight, UpdatedAtUtc = $now WHERE TokenId = $id;";

    public const string MarkThreshold =
        "UPDATE TokenMaster SET UsageThresholdNotified = $percent WHERE TokenId = $id AND UsageThresholdNotified < $percent;";

    public const string UpsertProjectLimits =
        "INSERT INTO QuotaProjects (ProjectId, RequestsPerMinute, RequestsPerDay, TokensPerMinute, TokensPerDay, BlockedUntilUtc, UpdatedAtUtc) " +
        "VALUES ($projectId, $rpm, $rpd, $tpm, $tpd, NULL, $now) ON CONFLICT (ProjectId) DO UPDATE SET RequestsPerMinute = excluded.RequestsPerMinute, " +
        "RequestsPerDay = excluded.RequestsPerDay, TokensPerMinute = excluded.TokensPerMinute, TokensPerDay = excluded.TokensPerDay, UpdatedAtUtc = excluded.UpdatedAtUtc;";

    public const string SelectProject =
        "SELECT ProjectId, RequestsPerMinute, RequestsPerDay, TokensPerMinute, TokensPerDay, BlockedUntilUtc FROM QuotaProjects WHERE ProjectId = $projectId;";

    public const string SelectStaleSecrets =
        "SELECT TokenId, SecretKeyId, SecretCiphertext, CompanyId, ProjectId FROM TokenMaster WHERE SecretKeyId <> $current ORDER BY TokenId LIMIT 100;";

    public const string SelectSecretsAfter =
        "SELECT TokenId, SecretKeyId, SecretCiphertext, CompanyId, ProjectId FROM TokenMaster WHERE TokenId > $after ORDER BY TokenId LIMIT 100;";

    public const string UpdateSecret =
        "UPDATE TokenMaster SET SecretCiphertext = $cipher, SecretKeyId = $keyId WHERE TokenId = $id;";

    /// <summary>The key's admission state (columns 0-11) and its project's limits and block (12-17; NULL without a project row), in one statement.</summary>
    public const string SelectKeyForReserve =
        "SELECT t.CompanyId, t.ProjectId, t.Status, t.ExpiresAtUtc, t.LifetimeTokenLimit, t.TokensUsed, t.TokensReserved, t.CooldownUntilUtc, " +
        "t.RequestsPerMinute, t.RequestsPerDay, t.TokensPerMinute, t.TokensPerDay, " +
        "p.ProjectId, p.RequestsPerMinute, p.RequestsPerDay, p.TokensPerMinute, p.TokensPerDay, p.BlockedUntilUtc " +
        "FROM TokenMaster AS t LEFT JOIN QuotaProjects AS p ON p.ProjectId = t.ProjectId WHERE t.TokenId = $id;";

    /// <summary>
    /// Counts one request in the row at <c>$start</c> (stamping when) if it fits the window's sums over its rows from
    /// <c>$from</c> on (61 one-second slots, or one day), the row at <c>$from</c> only when it counted
    /// something after <c>$since</c>. Exact because SQLite has one writer at a time. Times are fixed-width text, so they
    /// compare in time order.
    /// </summary>
    public const string CountWindow =
        "INSERT INTO QuotaWindows (Scope, ScopeId, WindowKind, WindowStartUtc, Requests, Tokens, LastCountedUtc) " +
        "SELECT $scope, $scopeId, $kind, $start, 1, $tokens, $now FROM (SELECT COALESCE(SUM(Requests), 0) AS CountedRequests, COALESCE(SUM(Tokens), 0) AS CountedTokens " +
        "FROM QuotaWindows WHERE Scope = $scope AND ScopeId = $scopeId AND WindowKind = $kind AND WindowStartUtc >= $from " +
        "AND (WindowStartUtc > $from OR LastCountedUtc IS NULL OR LastCountedUtc > $since)) AS c " +
        "WHERE ($requestLimit IS NULL OR c.CountedRequests + 1 <= $requestLimit) AND ($tokenLimit IS NULL OR c.CountedTokens + $tokens <= $tokenLimit) " +
        "ON CONFLICT (Scope, ScopeId, WindowKind, WindowStartUtc) DO UPDATE SET Requests = QuotaWindows.Requests + 1, Tokens = QuotaWindows.Tokens + excluded.Tokens, " +
        "LastCountedUtc = MAX(COALESCE(QuotaWindows.LastCountedUtc, excluded.LastCountedUtc), excluded.LastCountedUtc) " +
        "RETURNING Requests;";

    public const string ReserveLifetime =
        "UPDATE TokenMaster SET TokensReserved = TokensReserved + $tokens WHERE TokenId = $id AND Status = 0 " +
        "AND (LifetimeTokenLimit IS NULL OR TokensUsed + TokensReserved + $tokens <= LifetimeTokenLimit);";

    public const string InsertReservation =
        "INSERT INTO QuotaReservations (ReservationId, TokenId, CompanyId, ProjectId, Tokens, InputTokens, MinuteWindowStartUtc, DayWindowStartUtc, CreatedAtUtc, ExpiresAtUtc) " +
        "VALUES ($id, $keyId, $companyId, $projectId, $tokens, $inputTokens, $minute, $day, $now, $expires);";

    public const string DeleteReservation =
        "DELETE FROM QuotaReservations WHERE ReservationId = $id RETURNING TokenId, ProjectId, Tokens, MinuteWindowStartUtc, DayWindowStartUtc, COALESCE(InputTokens, Tokens);";

    public const string SettleKey =
        "UPDATE TokenMaster SET TokensUsed = TokensUsed + $actual, TokensReserved = MAX(0, TokensReserved - $reserved), UpdatedAtUtc = $now " +
        "WHERE TokenId = $id RETURNING TokensUsed, LifetimeTokenLimit, Status;";

    public const string ReleaseKey =
        "UPDATE TokenMaster SET TokensReserved = MAX(0, TokensReserved - $reserved) WHERE TokenId = $id;";

    public const string AdjustWindowTokens =
        "UPDATE QuotaWindows SET Tokens = MAX(0, Tokens + CASE WHEN WindowKind = 0 THEN $minuteDelta ELSE $dayDelta END) " +
        "WHERE ((Scope = 0 AND ScopeId = $keyId) OR (Scope = 1 AND ScopeId = $projectId)) " +
        "AND ((WindowKind = 0 AND WindowStartUtc = $minute) OR (WindowKind = 1 AND WindowStartUtc = $day));";

    public const string SetCooldown =
        "UPDATE TokenMaster SET CooldownUntilUtc = CASE WHEN CooldownUntilUtc IS NOT NULL AND CooldownUntilUtc >= $until THEN CooldownUntilUtc ELSE $until END " +
        "WHERE TokenId = $id RETURNING CooldownUntilUtc;";

    public const string BlockProject =
        "INSERT INTO QuotaProjects (ProjectId, BlockedUntilUtc, UpdatedAtUtc) VALUES ($projectId, $until, $now) " +
        "ON CONFLICT (ProjectId) DO UPDATE SET BlockedUntilUtc = CASE WHEN QuotaProjects.BlockedUntilUtc IS NOT NULL AND QuotaProjects.BlockedUntilUtc > excluded.BlockedUntilUtc " +
        "THEN QuotaProjects.BlockedUntilUtc ELSE excluded.BlockedUntilUtc END, UpdatedAtUtc = excluded.UpdatedAtUtc RETURNING BlockedUntilUtc;";

    public const string SelectWindow =
        "SELECT WindowStartUtc, Requests, Tokens, LastCountedUtc FROM QuotaWindows WHERE Scope = $scope AND ScopeId = $scopeId AND WindowKind = $kind " +
        "AND WindowStartUtc >= $from ORDER BY WindowStartUtc;";

    public const string SelectExpiredReservations =
        "SELECT ReservationId FROM QuotaReservations WHERE ExpiresAtUtc <= $now ORDER BY ExpiresAtUtc, ReservationId;";

    public const string PruneWindows =
        "DELETE FROM QuotaWindows WHERE (WindowKind = 0 AND WindowStartUtc < $minuteCutoff) OR (WindowKind = 1 AND WindowStartUtc < $dayCutoff);";

    private const string UsageColumns =
        "UsageId, OperationId, Attempt, CompanyId, Branch, UserId, TokenId, ProjectId, Model, ResponseId, FileName, " +
        "InputTokens, OutputTokens, TextTokens, ImageTokens, DocumentTokens, CachedTokens, ThoughtsTokens, ToolUseTokens, TotalTokens, RequestCount, " +
        "Outcome, FailureKind, StartedAtUtc, CompletedAtUtc, UsageMetadataJson, CostNanos, Currency, ServiceTier";

    public const string InsertUsage =
        "INSERT INTO TokenUsageLogs (" + UsageColumns + ", UsageDate, RecordedAtUtc) VALUES ($id, $operationId, $attempt, $companyId, $branch, $userId, $keyId, $projectId, " +
        "$model, $responseId, $fileName, $input, $output, $text, $image, $document, $cached, $thoughts, $toolUse, $total, $requests, $outcome, $failureKind, " +
        "$startedAt, $completedAt, $json, $costNanos, $currency, $serviceTier, $usageDate, $now) ON CONFLICT (UsageId) DO NOTHING;";

    public const string UpsertSummary =
        "INSERT INTO TokenUsageSummary (TokenId, UsageDate, CompanyId, RequestCount, FailedRequests, InputTokens, OutputTokens, CachedTokens, ThoughtsTokens, TotalTokens, LastUsedAtUtc) " +
        "VALUES ($keyId, $usageDate, $companyId, $requests, $failed, $input, $output, $cached, $thoughts, $total, $lastUsed) " +
        "ON CONFLICT (TokenId, UsageDate) DO UPDATE SET RequestCount = TokenUsageSummary.RequestCount + excluded.RequestCount, " +
        "FailedRequests = TokenUsageSummary.FailedRequests + excluded.FailedRequests, InputTokens = TokenUsageSummary.InputTokens + excluded.InputTokens, " +
        "OutputTokens = TokenUsageSummary.OutputTokens + excluded.OutputTokens, CachedTokens = TokenUsageSummary.CachedTokens + excluded.CachedTokens, " +
        "ThoughtsTokens = TokenUsageSummary.ThoughtsTokens + excluded.ThoughtsTokens, TotalTokens = TokenUsageSummary.TotalTokens + excluded.TotalTokens, " +
        "LastUsedAtUtc = MAX(TokenUsageSummary.LastUsedAtUtc, excluded.LastUsedAtUtc);";

    public const string SelectUsage =
        "SELECT " + UsageColumns + " FROM TokenUsageLogs WHERE UsageId = $id;";

    private const string UsageFilter =
        " FROM TokenUsageLogs WHERE CompanyId = $companyId AND ($branch IS NULL OR Branch = $branch) AND ($userId IS NULL OR UserId = $userId) " +
        "AND ($fromDay IS NULL OR UsageDate >= $fromDay) AND ($toDay IS NULL OR UsageDate <= $toDay)";

    public const string ListUsage =
        "SELECT " + UsageColumns + UsageFilter + " ORDER BY CompletedAtUtc, UsageId;";

    public const string SummarizeUsage =
        "SELECT CASE WHEN $byBranch = 1 THEN Branch END AS GroupBranch, CASE WHEN $byUser = 1 THEN UserId END AS GroupUser, " +
        "CASE WHEN $byDay = 1 THEN UsageDate END AS GroupDay, SUM(RequestCount), SUM(CASE WHEN Outcome = 1 THEN 1 ELSE 0 END), " +
        "SUM(InputTokens), SUM(OutputTokens), SUM(CachedTokens), SUM(ThoughtsTokens), SUM(TotalTokens), SUM(CostNanos), MAX(Currency)" + UsageFilter +
        " GROUP BY GroupBranch, GroupUser, GroupDay ORDER BY GroupBranch, GroupUser, GroupDay;";

    public const string InsertRetry =
        "INSERT INTO RetryAttempts (OperationId, AttemptNumber, CompanyId, TokenId, ErrorKind, HttpStatus, DelayTicks, IsFailover, OccurredAtUtc, RecordedAtUtc) " +
        "VALUES ($operationId, $attempt, $companyId, $keyId, $errorKind, $httpStatus, $delay, $failover, $occurredAt, $now) ON CONFLICT (OperationId, AttemptNumber) DO NOTHING;";

    public const string InsertOperation =
        "INSERT INTO Operations (OperationId, CompanyId, DocumentSha256, State, ClaimedUntilUtc, AttemptCount, CreatedAtUtc) " +
        "VALUES ($id, $companyId, $sha, 0, $until, 0, $now) ON CONFLICT (OperationId) DO NOTHING;";

    public const string TakeOverOperation =
        "UPDATE Operations SET State = 0, ClaimedUntilUtc = $until, FailureKind = NULL, DocumentSha256 = COALESCE($sha, DocumentSha256) " +
        "WHERE OperationId = $id AND (State = 2 OR (State = 0 AND ClaimedUntilUtc <= $now));";

    public const string SelectOperation =
        "SELECT OperationId, CompanyId, DocumentSha256, State, ClaimedUntilUtc, AttemptCount, OutcomeJson, FailureKind, CreatedAtUtc, CompletedAtUtc " +
        "FROM Operations WHERE OperationId = $id;";

    public const string CompleteOperation =
        "UPDATE Operations SET State = $state, OutcomeJson = $outcome, FailureKind = $failureKind, CompletedAtUtc = $now WHERE OperationId = $id AND State <> 1;";

    public const string InsertAttempt =
        "INSERT INTO OperationAttempts (AttemptId, OperationId, AttemptNumber, CompanyId, TokenId, ProjectId, ReservationId, EstimatedTokens, State, StartedAtUtc, ExpiresAtUtc, EstimatedInputTokens) " +
        "VALUES ($id, $operationId, $attempt, $companyId, $keyId, $projectId, $reservationId, $estimate, 0, $startedAt, $expiresAt, $inputEstimate) ON CONFLICT (AttemptId) DO NOTHING;";

    public const string CountAttempt =
        "UPDATE Operations SET AttemptCount = MAX(AttemptCount, $attempt), " +
        "ClaimedUntilUtc = CASE WHEN State = 0 AND ClaimedUntilUtc < $expiresAt THEN $expiresAt ELSE ClaimedUntilUtc END " +
        "WHERE OperationId = $operationId AND (AttemptCount < $attempt OR (State = 0 AND ClaimedUntilUtc < $expiresAt));";

    public const string SelectAttempt =
        "SELECT OperationId, AttemptNumber, CompanyId, TokenId, ProjectId, ReservationId, EstimatedTokens, State, StartedAtUtc, EstimatedInputTokens FROM OperationAttempts WHERE AttemptId = $id;";

    public const string SelectAttemptByReservation =
        "SELECT AttemptId FROM OperationAttempts WHERE ReservationId = $reservationId AND State = 0;";

    public const string EndAttempt =
        "UPDATE OperationAttempts SET State = $state, EndedAtUtc = $now WHERE AttemptId = $id AND State = $from;";

    public const string RechargeKey =
        "UPDATE TokenMaster SET TokensUsed = MAX(0, TokensUsed + $delta) WHERE TokenId = $id;";

    public const string SelectInFlightAttempts =
        "SELECT AttemptId FROM OperationAttempts WHERE State = 0 AND (($before IS NOT NULL AND StartedAtUtc < $before) OR ($before IS NULL AND ExpiresAtUtc <= $now)) " +
        "ORDER BY StartedAtUtc, AttemptId;";

    public const string ListUnknownAttempts =
        "SELECT AttemptId, OperationId, AttemptNumber, CompanyId, TokenId, ProjectId, EstimatedTokens, StartedAtUtc, EndedAtUtc FROM OperationAttempts " +
        "WHERE State = 2 AND ($companyId IS NULL OR CompanyId = $companyId) ORDER BY EndedAtUtc, StartedAtUtc, AttemptId;";

    public const string SelectRetries =
        "SELECT OperationId, AttemptNumber, CompanyId, TokenId, ErrorKind, HttpStatus, DelayTicks, IsFailover, OccurredAtUtc FROM RetryAttempts WHERE OperationId = $operationId ORDER BY AttemptNumber;";

    public const string InsertLog =
        "INSERT INTO ApplicationLogs (TimestampUtc, Level, LevelName, Category, EventId, EventName, Message, Exception, Scope, CompanyId) " +
        "VALUES ($timestamp, $level, $levelName, $category, $eventId, $eventName, $message, $exception, $scope, $companyId);";
    public const string EnsureBudgetMonth =
        "INSERT INTO BudgetMonths (CompanyId, MonthStart, SpentNanos, ReservedNanos, UpdatedAtUtc) VALUES ($companyId, $month, 0, 0, $now) " +
        "ON CONFLICT (CompanyId, MonthStart) DO NOTHING;";

    public const string ReserveBudget =
        "UPDATE BudgetMonths SET ReservedNanos = ReservedNanos + $nanos, UpdatedAtUtc = $now WHERE CompanyId = $companyId AND MonthStart = $month " +
        "AND ($limit IS NULL OR SpentNanos + ReservedNanos + $nanos <= $limit);";

    public const string SelectBudgetMonth =
        "SELECT SpentNanos, ReservedNanos FROM BudgetMonths WHERE CompanyId = $companyId AND MonthStart = $month;";

    public const string InsertBudgetReservation =
        "INSERT INTO BudgetReservations (ReservationId, CompanyId, MonthStart, Nanos, CreatedAtUtc, ExpiresAtUtc) VALUES ($id, $companyId, $month, $nanos, $now, $expires);";

    public const string DeleteBudgetReservation =
        "DELETE FROM BudgetReservations WHERE ReservationId = $id RETURNING CompanyId, MonthStart, Nanos;";

    public const string SettleBudget =
        "UPDATE BudgetMonths SET SpentNanos = SpentNanos + $actual, ReservedNanos = MAX(0, ReservedNanos - $reserved), UpdatedAtUtc = $now " +
        "WHERE CompanyId = $companyId AND MonthStart = $month RETURNING SpentNanos, ReservedNanos;";

    public const string SelectExpiredBudgetReservations =
        "SELECT ReservationId FROM BudgetReservations WHERE ExpiresAtUtc <= $now ORDER BY ExpiresAtUtc, ReservationId;";

    /// <summary>The statements as the shared store takes them; "now" comes from the store's clock (every process on one machine shares it).</summary>
    public static readonly RelationalStatements Instance = RelationalStatements.FromConstants(typeof(SqliteStatements));
}
