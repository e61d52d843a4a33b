using System.Globalization;
using System.Runtime.InteropServices;
using InvoiceOcr.Sdk.Storage;

namespace InvoiceOcr.Sdk;

/// <summary>
/// An in-memory implementation of every store abstraction, exact under concurrency (one lock serialises each
/// operation, as one transaction would). Meant for tests and single-process use: nothing survives a restart.
/// </summary>
public sealed partial class InMemoryInvoiceOcrStore : IApiKeyStore, IQuotaStore, IUsageLedger, IRetryAttemptStore
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private static readonly Comparer<KeyEntry> ById = Comparer<KeyEntry>.Create(static (a, b) => string.CompareOrdinal(a.Key.Id, b.Key.Id));

    // One entry per key holding the key, its window counters and its project's entry, so a reservation finds everything
    // with one lookup and a settlement with none (the reservation points at its entry): the cost of a call does not grow
    // with the number of keys and companies, and the big dictionaries are never written on the hot path.
    private readonly Dictionary<string, KeyEntry> _keys = new(StringComparer.Ordinal);

    // Key ids per company, kept in ordinal order: a lease looks up its company's keys without scanning every key, so
    // acquisition costs the same with 10 companies or 100,000 (keys are never removed and never change company).
    private readonly Dictionary<string, List<KeyEntry>> _keysByCompany = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProjectEntry> _projects = new(StringComparer.Ordinal);
    private readonly List<ApiKeyStatusTransition> _transitions = [];
    private readonly Dictionary<string, HeldReservation> _reservations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UsageRecord> _usage = new(StringComparer.Ordinal);
    private readonly Dictionary<(string OperationId, int Attempt), RetryAttemptRecord> _retryAttempts = [];
    private readonly string _reservationPrefix = "r-" + Guid.NewGuid().ToString("N")[..12] + "-";
    private long _reservationSequence;

    // The Pacific day that contains the last reading of the clock, so the time-zone conversion runs once a day, not per call.
    private DateTimeOffset _dayStart = DateTimeOffset.MaxValue;
    private DateTimeOffset _dayEnd = DateTimeOffset.MinValue;

    /// <summary>Creates a store.</summary>
    /// <param name="timeProvider">The store's clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public InMemoryInvoiceOcrStore(TimeProvider? timeProvider = null)
    {
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public Task<bool> AddAsync(ApiKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        key.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_keys.ContainsKey(key.Id))
            {
                return Task.FromResult(false);
            }

            var now = _timeProvider.GetUtcNow();
            var entry = new KeyEntry(
                key with
                {
                    AllowedModels = [.. key.AllowedModels],
                    TokensReserved = 0,
                    CooldownUntil = null,
                    UsageThresholdNotified = 0,
                    CreatedAt = now,
                    UpdatedAt = now,
                },
                Project(key.ProjectId));
            _keys.Add(key.Id, entry);
            if (!_keysByCompany.TryGetValue(key.CompanyId, out var entries))
            {
                _keysByCompany.Add(key.CompanyId, entries = []);
            }

            var at = entries.BinarySearch(entry, ById);
            entries.Insert(at < 0 ? ~at : at, entry);
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public Task<ApiKey?> GetAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_keys.GetValueOrDefault(keyId)?.Key);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ApiKey>> ListByCompanyAsync(string companyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(companyId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_keysByCompany.TryGetValue(companyId, out var entries))
            {
                return Task.FromResult<IReadOnlyList<ApiKey>>([]);
            }

            var keys = new ApiKey[entries.Count];
            for (var i = 0; i < keys.Length; i++)
            {
                keys[i] = entries[i].Key;
            }

            return Task.FromResult<IReadOnlyList<ApiKey>>(keys);
        }
    }

    /// <inheritdoc/>
    public Task<bool> TryChangeStatusAsync(string keyId, ApiKeyStatus? expected, ApiKeyStatus status, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_keys.TryGetValue(keyId, out var entry) || (expected is { } e && entry.Key.Status != e) || entry.Key.Status == status)
            {
                return Task.FromResult(false);
            }

            SetStatus(entry, status, reason, _timeProvider.GetUtcNow());
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public Task<bool> UpdateLimitsAsync(string keyId, ApiKeyLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(limits.Rates, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.Weight, 1, nameof(limits));
        if (limits.LifetimeTokenLimit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limits), "The lifetime token limit must not be negative.");
        }

        limits.Rates.Validate(nameof(limits));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_keys.TryGetValue(keyId, out var entry))
            {
                return Task.FromResult(false);
            }

            entry.Key = entry.Key with
            {
                LifetimeTokenLimit = limits.LifetimeTokenLimit,
                ExpiresAt = limits.ExpiresAt,
                Rates = limits.Rates,
                Weight = limits.Weight,
                UpdatedAt = _timeProvider.GetUtcNow(),
            };
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ApiKeyStatusTransition>> ListStatusTransitionsAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            IReadOnlyList<ApiKeyStatusTransition> list = [.. _transitions.Where(t => string.Equals(t.KeyId, keyId, StringComparison.Ordinal))];
            return Task.FromResult(list);
        }
    }

    /// <inheritdoc/>
    public Task<bool> TryMarkUsageThresholdAsync(string keyId, int percent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentOutOfRangeException.ThrowIfLessThan(percent, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_keys.TryGetValue(keyId, out var entry) || entry.Key.UsageThresholdNotified >= percent)
            {
                return Task.FromResult(false);
            }

            entry.Key = entry.Key with { UsageThresholdNotified = percent };
            return Task.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public Task SetProjectLimitsAsync(string projectId, QuotaLimits limits, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(projectId);
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate(nameof(limits));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var project = Project(projectId);
            project.Quota = project.Quota is { } quota
                ? quota with { Limits = limits }
                : new ProjectQuota { ProjectId = projectId, Limits = limits };
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc/>
    public Task<ProjectQuota?> GetProjectAsync(string projectId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(projectId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_projects.GetValueOrDefault(projectId)?.Quota);
        }
    }

    /// <inheritdoc/>
    public Task<QuotaReservationResult> ReserveAsync(QuotaReservationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            if (!_keys.TryGetValue(request.KeyId, out var entry))
            {
                return Task.FromResult(QuotaReservationResult.Rejected(QuotaRejectionReason.KeyNotFound));
            }

            OperationClaimResult? claim = null;
            if (request.Claim is { } wanted)
            {
                // Decided first, stored only with a granted reservation: a lost claim reserves nothing.
                claim = DecideClaim(wanted, now);
                if (claim.Status != OperationClaimStatus.Claimed)
                {
                    return Task.FromResult(QuotaReservationResult.Rejected(QuotaRejectionReason.OperationNotClaimed, entry.Settings.Status) with { Claim = claim });
                }
            }

            var result = TryReserve(entry, request, now, claim);
            return Task.FromResult(result);
        }
    }

    /// <inheritdoc/>
    public Task<QuotaSettlement?> SettleAsync(string reservationId, long actualTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservationId);
        ArgumentOutOfRangeException.ThrowIfNegative(actualTokens);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(SettleCore(reservationId, actualTokens, null, _timeProvider.GetUtcNow()));
        }
    }

    /// <inheritdoc/>
    public Task<QuotaSettlement?> SettleAsync(string reservationId, long actualTokens, long actualInputTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservationId);
        ArgumentOutOfRangeException.ThrowIfNegative(actualTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(actualInputTokens);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(SettleCore(reservationId, actualTokens, actualInputTokens, _timeProvider.GetUtcNow()));
        }
    }

    /// <inheritdoc/>
    public Task<bool> ReleaseAsync(string reservationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservationId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(ReleaseCore(reservationId));
        }
    }

    /// <inheritdoc/>
    public Task<DateTimeOffset?> CoolDownKeyAsync(string keyId, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_keys.TryGetValue(keyId, out var entry))
            {
                return Task.FromResult<DateTimeOffset?>(null);
            }

            var until = _timeProvider.GetUtcNow() + duration;
            if (entry.Key.CooldownUntil is { } existing && existing >= until)
            {
                return Task.FromResult<DateTimeOffset?>(existing);
            }

            entry.Key = entry.Key with { CooldownUntil = until };
            return Task.FromResult<DateTimeOffset?>(until);
        }
    }

    /// <inheritdoc/>
    public Task<DateTimeOffset> BlockProjectForDayAsync(string projectId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(projectId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var until = QuotaWindows.DayEnd(_timeProvider.GetUtcNow());
            var project = Project(projectId);
            project.Quota = project.Quota is { } quota
                ? quota with { BlockedUntil = quota.BlockedUntil is { } b && b > until ? b : until }
                : new ProjectQuota { ProjectId = projectId, BlockedUntil = until };
            return Task.FromResult(project.Quota.BlockedUntil!.Value);
        }
    }

    /// <inheritdoc/>
    public Task<QuotaWindowUsage> GetWindowUsageAsync(QuotaScope scope, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            var from = QuotaWindows.SlidingMinuteStart(now);
            var day = DayStart(now);
            var windows = scope == QuotaScope.Key ? _keys.GetValueOrDefault(id)?.Windows : _projects.GetValueOrDefault(id)?.Windows;
            var (minuteRequests, minuteTokens) = windows?.Minute(from, QuotaWindows.SlidingMinuteSince(now), QuotaWindows.SlotStart(now)) ?? default;
            var (dayRequests, dayTokens) = windows?.Day(day) ?? default;
            return Task.FromResult(new QuotaWindowUsage(scope, id, from, minuteRequests, minuteTokens, day, dayRequests, dayTokens));
        }
    }

    /// <inheritdoc/>
    public Task<int> ReclaimExpiredReservationsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            var expired = _reservations.Values.Where(r => r.Reservation.ExpiresAt <= now).Select(r => r.Reservation.Id).ToList();
            foreach (var id in expired)
            {
                // Charged, not released: the expired reservation's call may have been billed by Google (issue 13).
                ChargeExpiredCore(id, now);
                MarkReclaimedAttemptUnknown(id, now);
            }

            return Task.FromResult(expired.Count);
        }
    }

    /// <inheritdoc/>
    public Task<bool> AppendAsync(UsageRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_usage.TryAdd(record.Id, record));
        }
    }

    /// <inheritdoc/>
    Task<UsageRecord?> IUsageLedger.GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_usage.GetValueOrDefault(id));
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<UsageRecord>> ListAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            IReadOnlyList<UsageRecord> list = [.. _usage.Values.Where(query.Matches)
                .OrderBy(r => r.CompletedAt).ThenBy(r => r.Id, StringComparer.Ordinal)];
            return Task.FromResult(list);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<UsageSummary>> SummarizeAsync(UsageQuery query, UsageGrouping grouping, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var byBranch = grouping.HasFlag(UsageGrouping.Branch);
            var byUser = grouping.HasFlag(UsageGrouping.User);
            var byDay = grouping.HasFlag(UsageGrouping.Day);
            IReadOnlyList<UsageSummary> list = [.. _usage.Values.Where(query.Matches)
                .GroupBy(r => (
                    Branch: byBranch ? r.Branch : null,
                    User: byUser ? r.UserId : null,
                    Day: byDay ? UsageSummary.DayOf(r.CompletedAt) : (DateOnly?)null))
                .OrderBy(g => g.Key.Branch, StringComparer.Ordinal)
                .ThenBy(g => g.Key.User, StringComparer.Ordinal)
                .ThenBy(g => g.Key.Day)
                .Select(g => new UsageSummary
                {
                    CompanyId = query.CompanyId,
                    Branch = g.Key.Branch,
                    UserId = g.Key.User,
                    Day = g.Key.Day,
                    RequestCount = g.Sum(r => (long)r.RequestCount),
                    FailedRequests = g.Count(r => r.Outcome == UsageOutcome.Failure),
                    InputTokens = g.Sum(r => r.InputTokens),
                    OutputTokens = g.Sum(r => r.OutputTokens),
                    CachedTokens = g.Sum(r => r.CachedTokens),
                    ThoughtsTokens = g.Sum(r => r.ThoughtsTokens),
                    TotalTokens = g.Sum(r => r.TotalTokens),
                    Cost = g.Sum(r => r.Cost ?? 0),
                    Currency = g.Select(r => r.Currency).Where(c => c is not null).Max(StringComparer.Ordinal),
                })];
            return Task.FromResult(list);
        }
    }

    /// <inheritdoc/>
    public Task<bool> AppendAsync(RetryAttemptRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_retryAttempts.TryAdd((record.OperationId, record.AttemptNumber), record));
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<RetryAttemptRecord>> ListByOperationAsync(string operationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operationId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            IReadOnlyList<RetryAttemptRecord> list = [.. _retryAttempts.Values
                .Where(r => string.Equals(r.OperationId, operationId, StringComparison.Ordinal))
                .OrderBy(r => r.AttemptNumber)];
            return Task.FromResult(list);
        }
    }

    private QuotaReservationResult TryReserve(KeyEntry entry, QuotaReservationRequest request, DateTimeOffset now, OperationClaimResult? claim = null)
    {
        // The rules are the shared ones (QuotaAdmission); only the counters are this store's.
        var key = entry.Settings;
        var state = new QuotaKeyState(key.CompanyId, key.ProjectId, key.Status, key.ExpiresAt, key.LifetimeTokenLimit, entry.TokensUsed, entry.TokensReserved, key.CooldownUntil, key.Rates);
        if (QuotaAdmission.CheckKey(state, request, now) is { } keyRefusal)
        {
            return keyRefusal;
        }

        var project = entry.Project.Quota;
        if (QuotaAdmission.CheckProject(project?.BlockedUntil, key.Status, now) is { } projectRefusal)
        {
            return projectRefusal;
        }

        var day = DayStart(now);
        var keyWindows = entry.Windows;
        var projectWindows = entry.Project.Windows;
        var buffer = default(QuotaAdmission.WindowBuffer);
        Span<QuotaWindowLimit> windows = buffer;
        QuotaAdmission.FillWindows(windows, key.Id, key.ProjectId, key.Rates, project?.Limits ?? QuotaLimits.None, now);
        var (from, since, minute) = (windows[0].From, windows[0].Since, windows[0].Start);
        ReadOnlySpan<(long Requests, long Tokens)> counted = [keyWindows.Minute(from, since, minute), keyWindows.Day(day), projectWindows.Minute(from, since, minute), projectWindows.Day(day)];
        var full = QuotaAdmission.FirstFullWindow(windows, counted, request);
        if (full >= 0)
        {
            Span<QuotaSlot> slots = stackalloc QuotaSlot[QuotaWindows.SlidingMinuteSlots];
            var counters = windows[full].Scope == QuotaScope.Key ? keyWindows : projectWindows;
            var n = windows[full].Kind == QuotaWindowKind.Minute ? counters.Slots(from, minute, slots) : 0;
            return QuotaAdmission.Refuse(windows[full], slots[..n], request, key.Status);
        }

        // The minute slots count the input estimate (Google's TPM counts input tokens), the day the total estimate.
        var inputTokens = request.MinuteTokens;
        keyWindows.Count(now, day, inputTokens, request.Tokens);
        projectWindows.Count(now, day, inputTokens, request.Tokens);
        entry.SetCounters(entry.TokensUsed, entry.TokensReserved + request.Tokens, entry.UpdatedAt);
        var id = string.Concat(_reservationPrefix, (++_reservationSequence).ToString(CultureInfo.InvariantCulture));
        // Built once, journaled or not (a copy per reservation only to set the flag is what a record's "with" costs).
        var reservation = new QuotaReservation(id, key.Id, key.CompanyId, key.ProjectId, request.Tokens, minute, day, now, now + request.TimeToLive)
        {
            InputTokens = inputTokens,
            AttemptJournaled = request.Journal is not null,
        };
        _reservations.Add(id, new HeldReservation(reservation, entry));
        if (claim is not null)
        {
            // The operation is claimed under the same lock, with the reservation: one "transaction".
            _operations[claim.Operation.OperationId] = claim.Operation;
        }

        if (request.Journal is { } journal)
        {
            // The attempt is journaled under the same lock: reserving and journaling are one "transaction". A claim made here
            // numbers the attempt after those the operation's earlier runs journaled.
            var number = claim is null ? journal.AttemptNumber : claim.Operation.AttemptCount + 1;
            _ = BeginAttemptAsync(journal with { KeyId = key.Id, ProjectId = key.ProjectId, ReservationId = id, EstimatedTokens = request.Tokens, EstimatedInputTokens = inputTokens, AttemptNumber = number, StartedAt = now, ExpiresAt = reservation.ExpiresAt }, CancellationToken.None);
        }

        return claim is null ? QuotaReservationResult.Granted(reservation) : new() { Reservation = reservation, KeyStatus = ApiKeyStatus.Active, Claim = claim };
    }

    private ProjectEntry Project(string projectId)
    {
        ref var project = ref CollectionsMarshal.GetValueRefOrAddDefault(_projects, projectId, out _);
        return project ??= new ProjectEntry();
    }

    /// <summary>Returns the start of the Pacific day containing <paramref name="now"/>, converting time zones only when the day changes.</summary>
    private DateTimeOffset DayStart(DateTimeOffset now)
    {
        if (now < _dayStart || now >= _dayEnd)
        {
            _dayStart = QuotaWindows.DayStart(now);
            _dayEnd = QuotaWindows.DayEnd(now);
        }

        return _dayStart;
    }

    /// <summary>Settles a reservation with the given tokens and input tokens (<see langword="null"/>: the reservation's own estimates).</summary>
    private QuotaSettlement? SettleCore(string reservationId, long? actualTokens, long? actualInputTokens, DateTimeOffset now)
    {
        if (!_reservations.Remove(reservationId, out var held))
        {
            return null;
        }

        var reservation = held.Reservation;
        var actual = actualTokens ?? reservation.Tokens;
        AdjustTokens(held, (actualInputTokens ?? reservation.InputTokens) - reservation.InputTokens, actual - reservation.Tokens);
        var entry = held.Entry;
        var used = entry.TokensUsed + actual;
        entry.SetCounters(used, Math.Max(0, entry.TokensReserved - reservation.Tokens), now);
        var key = entry.Settings;
        var becameExceeded = false;
        if (key.Status == ApiKeyStatus.Active && key.LifetimeTokenLimit is { } limit && used >= limit)
        {
            key = SetStatus(entry, ApiKeyStatus.Exceeded, string.Create(CultureInfo.InvariantCulture, $"Lifetime token limit of {limit} reached ({used} used)."), now);
            becameExceeded = true;
        }

        return new QuotaSettlement(reservationId, key.Id, actual, used, key.LifetimeTokenLimit, key.Status, becameExceeded);
    }

    /// <summary>Charges an expired reservation at its estimate: TokensUsed and the windows keep what it held.</summary>
    private void ChargeExpiredCore(string reservationId, DateTimeOffset now) => SettleCore(reservationId, null, null, now);

    private bool ReleaseCore(string reservationId)
    {
        if (!_reservations.Remove(reservationId, out var held))
        {
            return false;
        }

        var tokens = held.Reservation.Tokens;
        AdjustTokens(held, -held.Reservation.InputTokens, -tokens);
        var entry = held.Entry;
        entry.SetCounters(entry.TokensUsed, Math.Max(0, entry.TokensReserved - tokens), entry.UpdatedAt);
        return true;
    }

    private static void AdjustTokens(HeldReservation held, long minuteDelta, long dayDelta)
    {
        if (minuteDelta == 0 && dayDelta == 0)
        {
            return;
        }

        // Windows that have since been replaced by later ones are gone: nothing is counted in them any more.
        var reservation = held.Reservation;
        held.Entry.Windows.Adjust(reservation.MinuteWindowStart, reservation.DayWindowStart, minuteDelta, dayDelta);
        held.Entry.Project.Windows.Adjust(reservation.MinuteWindowStart, reservation.DayWindowStart, minuteDelta, dayDelta);
    }

    private ApiKey SetStatus(KeyEntry entry, ApiKeyStatus status, string? reason, DateTimeOffset now)
    {
        var key = entry.Key;
        var changed = entry.Key = key with { Status = status, StatusReason = reason, UpdatedAt = now };
        _transitions.Add(new ApiKeyStatusTransition(key.Id, key.Status, status, reason, now));
        return changed;
    }

    /// <summary>
    /// A key as stored, with its windows and its project's entry. The running totals change on every reservation and
    /// settlement, so they are kept as fields and the <see cref="ApiKey"/> with them is built only when someone reads it;
    /// every other change replaces the key whole.
    /// </summary>
    private sealed class KeyEntry
    {
        private ApiKey _key;
        private bool _countersChanged;

        public KeyEntry(ApiKey key, ProjectEntry project)
        {
            _key = key;
            TokensUsed = key.TokensUsed;
            TokensReserved = key.TokensReserved;
            UpdatedAt = key.UpdatedAt;
            Project = project;
        }

        /// <summary>Gets or sets the key with its current totals.</summary>
        public ApiKey Key
        {
            // Not written back: the copy a caller reads dies young, where storing it would make every read of a key
            // (a lease lists its company's keys on every call) an old-generation write the collector has to scan.
            get => _countersChanged ? _key with { TokensUsed = TokensUsed, TokensReserved = TokensReserved, UpdatedAt = UpdatedAt } : _key;

            set
            {
                _key = value;
                TokensUsed = value.TokensUsed;
                TokensReserved = value.TokensReserved;
                UpdatedAt = value.UpdatedAt;
                _countersChanged = false;
            }
        }

        /// <summary>Gets the key for everything but its totals and <see cref="ApiKey.UpdatedAt"/> (which may be behind).</summary>
        public ApiKey Settings => _key;

        public long TokensUsed { get; private set; }

        public long TokensReserved { get; private set; }

        public DateTimeOffset UpdatedAt { get; private set; }

        public WindowCounters Windows { get; } = new();

        public ProjectEntry Project { get; }

        public void SetCounters(long tokensUsed, long tokensReserved, DateTimeOffset updatedAt)
        {
            TokensUsed = tokensUsed;
            TokensReserved = tokensReserved;
            UpdatedAt = updatedAt;
            _countersChanged = true;
        }
    }

    /// <summary>A project's limits and block (once set) and its windows, shared by the entries of its keys.</summary>
    private sealed class ProjectEntry
    {
        public ProjectQuota? Quota { get; set; }

        public WindowCounters Windows { get; } = new();
    }

    /// <summary>An outstanding reservation and the entry of its key.</summary>
    private sealed record HeldReservation(QuotaReservation Reservation, KeyEntry Entry);

    /// <summary>
    /// The requests and tokens counted in one key's or project's sliding per-minute window (one-second slots) and current
    /// Pacific day.
    /// </summary>
    private sealed class WindowCounters
    {
        // A ring of the last 61 one-second slots, indexed by slot number modulo its length; an entry holding another slot
        // number is stale (its slot left the window) and counts nothing. Allocated on first count: most keys of a large
        // store are never used, and 61 slots cost 1.5 KB.
        private Slot[]? _slots;
        private DateTimeOffset _dayStart = DateTimeOffset.MinValue;
        private long _dayRequests;
        private long _dayTokens;

        /// <summary>Sums the slots from <paramref name="from"/> to <paramref name="slot"/> (both included), skipping the oldest when its last count is at or before <paramref name="since"/>.</summary>
        public (long Requests, long Tokens) Minute(DateTimeOffset from, DateTimeOffset since, DateTimeOffset slot)
        {
            if (_slots is not { } ring)
            {
                return default;
            }

            var (first, last) = (Number(from), Number(slot));
            long requests = 0, tokens = 0;
            foreach (ref readonly var entry in ring.AsSpan())
            {
                // The rule is QuotaAdmission.InWindow, on the ring's own representation.
                if (entry.Number >= first && entry.Number <= last && (entry.Number > first || entry.LastTicks > since.UtcTicks))
                {
                    requests += entry.Requests;
                    tokens += entry.Tokens;
                }
            }

            return (requests, tokens);
        }

        /// <summary>Copies the non-empty slots from <paramref name="from"/> to <paramref name="slot"/>, oldest first, into <paramref name="into"/>; returns how many.</summary>
        public int Slots(DateTimeOffset from, DateTimeOffset slot, Span<QuotaSlot> into)
        {
            if (_slots is not { } ring)
            {
                return 0;
            }

            var n = 0;
            for (var number = Number(from); number <= Number(slot); number++)
            {
                ref readonly var entry = ref ring[Index(number)];
                if (entry.Number == number && (entry.Requests != 0 || entry.Tokens != 0))
                {
                    into[n++] = new QuotaSlot(new DateTimeOffset(number * TimeSpan.TicksPerSecond, TimeSpan.Zero), entry.Requests, entry.Tokens, new DateTimeOffset(entry.LastTicks, TimeSpan.Zero));
                }
            }

            return n;
        }

        public (long Requests, long Tokens) Day(DateTimeOffset start) => start == _dayStart ? (_dayRequests, _dayTokens) : default;

        /// <summary>Counts one request at <paramref name="now"/> with its input tokens in its slot and its total tokens in the given day, which replace older ones.</summary>
        public void Count(DateTimeOffset now, DateTimeOffset day, long inputTokens, long tokens)
        {
            var number = Number(now);
            ref var entry = ref Entry(number);
            if (entry.Number != number)
            {
                entry = new Slot { Number = number };
            }

            entry.Requests++;
            entry.Tokens += inputTokens;
            entry.LastTicks = Math.Max(entry.LastTicks, now.UtcTicks);
            if (day != _dayStart)
            {
                (_dayStart, _dayRequests, _dayTokens) = (day, 0, 0);
            }

            _dayRequests++;
            _dayTokens += tokens;
        }

        /// <summary>
        /// Counts a request learnt of late (an attempt that held no reservation) in the slot and day it started in, when they
        /// are still held (or newer than what is held); a slot or day already replaced by a later one counts nothing any more.
        /// </summary>
        public void CountLate(DateTimeOffset startedAt, DateTimeOffset day, long inputTokens, long tokens)
        {
            var number = Number(startedAt);
            ref var entry = ref Entry(number);
            if (entry.Number <= number)
            {
                if (entry.Number != number)
                {
                    entry = new Slot { Number = number };
                }

                entry.Requests++;
                entry.Tokens += inputTokens;
                entry.LastTicks = Math.Max(entry.LastTicks, startedAt.UtcTicks);
            }

            if (day > _dayStart)
            {
                (_dayStart, _dayRequests, _dayTokens) = (day, 0, 0);
            }

            if (day == _dayStart)
            {
                _dayRequests++;
                _dayTokens += tokens;
            }
        }

        /// <summary>Corrects the input tokens of the slot and the total tokens of the day a reservation counted in, if they are still held.</summary>
        public void Adjust(DateTimeOffset slot, DateTimeOffset day, long minuteDelta, long dayDelta)
        {
            var number = Number(slot);
            if (minuteDelta != 0 && _slots is { } ring && ring[Index(number)].Number == number)
            {
                ref var entry = ref ring[Index(number)];
                entry.Tokens = Math.Max(0, entry.Tokens + minuteDelta);
            }

            if (day == _dayStart)
            {
                _dayTokens = Math.Max(0, _dayTokens + dayDelta);
            }
        }

        private static long Number(DateTimeOffset instant) => instant.UtcTicks / TimeSpan.TicksPerSecond;

        private static int Index(long number) => (int)(number % QuotaWindows.SlidingMinuteSlots);

        private ref Slot Entry(long number)
        {
            if (_slots is null)
            {
                _slots = new Slot[QuotaWindows.SlidingMinuteSlots];
                _slots.AsSpan().Fill(new Slot { Number = long.MinValue });
            }

            return ref _slots[Index(number)];
        }

        private struct Slot
        {
            public long Number;
            public long Requests;
            public long Tokens;
            public long LastTicks;
        }
    }
}
