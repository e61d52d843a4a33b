using System.Collections.Concurrent;
using System.Globalization;
using InvoiceOcr.Sdk.Invoices;
using InvoiceOcr.Sdk.Jobs.Batch;
using InvoiceOcr.Sdk.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Jobs;

/// <summary>
/// Processes job items as a hosted service; any number of instances share one store. Each item is leased (with a visibility
/// time-out renewed by a heartbeat), extracted as one durable operation (its id derived from job and item, so a re-leased item
/// whose call already succeeded is answered from the store, never billed twice) and moved to its next state. Quotas decide the
/// pace: the key pool refuses before any request leaves when a window is full, so a full minute only holds the company back
/// until the window turns, and a used-up day parks the company's waiting items as <see cref="InvoiceJobItemState.QuotaExceeded"/>
/// until the reset (Pacific midnight), when they resume by themselves.
/// </summary>
internal sealed partial class InvoiceJobWorker : BackgroundService
{
    /// <summary>The named HttpClient that downloads URI documents.</summary>
    internal const string HttpClientName = "InvoiceOcr.Jobs";

    // A refusal whose wait ends within this is the minute window (or a cool-down): the company is held back, not parked.
    private static readonly TimeSpan MinuteScale = TimeSpan.FromSeconds(61);

    private readonly IInvoiceJobStore _store;
    private readonly IInvoiceExtractor _extractor;
    private readonly IHttpClientFactory _httpClients;
    private readonly InvoiceJobOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<InvoiceJobWorker> _logger;
    private readonly InvoiceJobBatchRoute _batches;
    private readonly ConcurrentDictionary<string, InvoiceJobItem> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _heldBack = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, InvoiceJob> _jobs = new(StringComparer.Ordinal);
    private DateTimeOffset _nextBatchRound = DateTimeOffset.MinValue;

    public InvoiceJobWorker(
        IInvoiceJobStore store,
        IInvoiceExtractor extractor,
        IHttpClientFactory httpClients,
        IOptions<InvoiceJobOptions> options,
        TimeProvider timeProvider,
        ILogger<InvoiceJobWorker> logger,
        InvoiceJobBatchRoute batches)
    {
        _batches = batches;
        _store = store;
        _extractor = extractor;
        _httpClients = httpClients;
        _options = options.Value;
        _time = timeProvider;
        _logger = logger;
        WorkerId = _options.WorkerId ?? string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
    }

    /// <summary>Gets this worker's id, recorded in leases and transitions.</summary>
    public string WorkerId { get; }

    /// <summary>
    /// One round: resumes parked items whose time has come, leases up to the free slots and processes what it leased, and
    /// returns when those items have moved on. Tests drive the worker with it on a fake clock.
    /// </summary>
    internal async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var leased = await LeaseAsync(_options.Concurrency, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(leased.Select(item => ProcessAsync(item, cancellationToken))).ConfigureAwait(false);
        return leased.Count + await _batches.RunOnceAsync(this, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(_logger, WorkerId, _options.Concurrency);
        var heartbeat = HeartbeatAsync(stoppingToken);
        var running = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                running.RemoveAll(static t => t.IsCompleted);
                var free = _options.Concurrency - running.Count;
                var leased = free > 0 ? await LeaseSafelyAsync(free, stoppingToken).ConfigureAwait(false) : [];
                running.AddRange(leased.Select(item => Task.Run(() => ProcessAsync(item, stoppingToken), CancellationToken.None)));
                await RunBatchesSafelyAsync(stoppingToken).ConfigureAwait(false);
                if (leased.Count == 0 || running.Count >= _options.Concurrency)
                {
                    // Wait for a slot or for the poll interval, whichever comes first.
                    var delay = Task.Delay(_options.PollInterval, _time, stoppingToken);
                    await Task.WhenAny([delay, .. running]).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }

        await Task.WhenAll(running).ConfigureAwait(false);
        await heartbeat.ConfigureAwait(false);
    }

    private async Task RunBatchesSafelyAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (now < _nextBatchRound)
        {
            return;
        }

        // Batch-mode items and Gemini batches move on a slower clock than interactive calls (results within hours): one round
        // per batch poll interval keeps the extra lease and poll queries off the interactive workers' store.
        _nextBatchRound = now + _options.BatchPollInterval;
        try
        {
            await _batches.RunOnceAsync(this, cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex)
        {
            LogStoreFailed(_logger, ex.Kind, ex);
        }
    }

    private async Task<IReadOnlyList<InvoiceJobItem>> LeaseSafelyAsync(int max, CancellationToken cancellationToken)
    {
        try
        {
            return await LeaseAsync(max, cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex)
        {
            LogStoreFailed(_logger, ex.Kind, ex);
            return [];
        }
    }

    private async Task<IReadOnlyList<InvoiceJobItem>> LeaseAsync(int max, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var resumed = await _store.ResumeDueAsync(now, WorkerId, cancellationToken).ConfigureAwait(false);
        if (resumed > 0)
        {
            LogResumed(_logger, resumed);
        }

        foreach (var (company, until) in _heldBack)
        {
            if (until <= now)
            {
                _heldBack.TryRemove(company, out _);
            }
        }

        var leased = await _store.LeaseItemsAsync(
            new InvoiceJobLeaseRequest
            {
                WorkerId = WorkerId,
                MaxItems = max,
                Now = now,
                LeaseUntil = now + _options.VisibilityTimeout,
                ExcludedCompanies = [.. _heldBack.Keys],
            },
            cancellationToken).ConfigureAwait(false);
        foreach (var item in leased)
        {
            _running[item.ItemId] = item;
        }

        return leased;
    }

    private async Task HeartbeatAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(_options.HeartbeatInterval, _time, stoppingToken).ConfigureAwait(false);
                if (!_running.IsEmpty)
                {
                    await _store.RenewLeasesAsync(WorkerId, [.. _running.Keys], _time.GetUtcNow() + _options.VisibilityTimeout, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (InvoiceOcrException ex)
        {
            // A missed heartbeat costs at most a take-over after the visibility time-out; the next round tries again.
            LogStoreFailed(_logger, ex.Kind, ex);
            await HeartbeatAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Processes one leased item through the interactive route and moves it on.</summary>
    internal async Task ProcessAsync(InvoiceJobItem item, CancellationToken cancellationToken)
    {
        try
        {
            var change = await RunAsync(item, cancellationToken).ConfigureAwait(false);
            await MoveAsync(item, change).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind is InvoiceOcrErrorKind.JobVersionConflict or InvoiceOcrErrorKind.JobTransitionRejected)
        {
            // Another worker took the item over after our lease lapsed; its operation claim keeps the call single.
            LogLostLease(_logger, item.ItemId, ex.Kind);
        }
        catch (InvoiceOcrException ex)
        {
            LogStoreFailed(_logger, ex.Kind, ex);
        }
        finally
        {
            _running.TryRemove(item.ItemId, out _);
        }
    }

    /// <summary>Moves an item on (a company-wide quota park parks its other waiting items too); a lost lease is logged, not thrown.</summary>
    internal async Task ApplyAsync(InvoiceJobItem item, InvoiceJobItemChange change)
    {
        try
        {
            await MoveAsync(item, change).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind is InvoiceOcrErrorKind.JobVersionConflict or InvoiceOcrErrorKind.JobTransitionRejected)
        {
            LogLostLease(_logger, item.ItemId, ex.Kind);
        }
    }

    private async Task MoveAsync(InvoiceJobItem item, InvoiceJobItemChange change)
    {
        await _store.TransitionItemAsync(change, CancellationToken.None).ConfigureAwait(false);
        if (change.To == InvoiceJobItemState.QuotaExceeded && change.NotBefore is { } resumeAt && change.ErrorKind is not null &&
            !(change.Reason ?? string.Empty).StartsWith("batch ", StringComparison.Ordinal))
        {
            var parked = await _store.ParkCompanyAsync(item.CompanyId, resumeAt, change.Reason!, WorkerId, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            LogParked(_logger, item.CompanyId, parked + 1, resumeAt);
        }
    }

    /// <summary>A change of a leased item by this worker.</summary>
    internal InvoiceJobItemChange Change(InvoiceJobItem item, InvoiceJobItemState to, string reason, string? attemptId) => new()
    {
        ItemId = item.ItemId,
        ExpectedVersion = item.Version,
        To = to,
        Reason = reason,
        At = _time.GetUtcNow(),
        WorkerId = WorkerId,
        AttemptId = attemptId ?? InvoiceJobStoreValidation.AttemptId(item),
    };

    /// <summary>What a failure of an item's call means for the item (hold back, park, retry, fail with its partial invoice).</summary>
    internal InvoiceJobItemChange Decide(InvoiceJobItem item, InvoiceOcrException error, string? attemptId) =>
        Decide(item, error, (to, reason) => Change(item, to, reason, attemptId));

    private async Task<InvoiceJobItemChange> RunAsync(InvoiceJobItem item, CancellationToken cancellationToken)
    {
        var attemptId = InvoiceJobStoreValidation.AttemptId(item);
        InvoiceJobItemChange Change(InvoiceJobItemState to, string reason) => this.Change(item, to, reason, attemptId);

        try
        {
            var job = await GetJobAsync(item.JobId, cancellationToken).ConfigureAwait(false);
            var document = await LoadAsync(item, cancellationToken).ConfigureAwait(false);
            var context = new ExtractionContext(item.CompanyId)
            {
                RequestedBy = job.RequestedBy,
                Branch = job.Branch,
                IdempotencyKey = InvoiceJobService.IdempotencyKey(item.JobId, item.ItemId),
            };
            var result = await _extractor.ExtractAsync(document, context, cancellationToken).ConfigureAwait(false);
            return Change(InvoiceJobItemState.Completed, result.IsReplay ? "completed (stored outcome, not billed again)" : "completed") with
            {
                InvoiceJson = InvoiceJson.Serialize(result.Invoice),
                TotalTokens = result.Usage.TotalTokens,
                KeyId = result.KeyId,
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Change(InvoiceJobItemState.Pending, "worker stopping");
        }
        catch (InvoiceOcrException ex)
        {
            return Decide(item, ex, Change);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or UnauthorizedAccessException)
        {
            // The document could not be read now (a share or a server away): transient.
            var error = new InvoiceOcrException(InvoiceOcrErrorKind.NetworkFailure, "The document could not be read: " + ex.Message, ex) { IsTransient = true };
            return Decide(item, error, Change);
        }
    }

    private InvoiceJobItemChange Decide(InvoiceJobItem item, InvoiceOcrException error, Func<InvoiceJobItemState, string, InvoiceJobItemChange> change)
    {
        var now = _time.GetUtcNow();
        var message = error.Message;
        switch (error.Kind)
        {
            case InvoiceOcrErrorKind.LocalQuotaExceeded when error.RetryAfter is { } wait && wait <= MinuteScale:
            case InvoiceOcrErrorKind.RateLimitedPerMinute or InvoiceOcrErrorKind.QuotaExhausted:
                {
                    // The minute window is full: hold the company back until it turns; the item waits without a failure counted.
                    var until = now + (error.RetryAfter ?? TimeSpan.FromMinutes(1));
                    _heldBack[item.CompanyId] = until;
                    LogHeldBack(_logger, item.CompanyId, until);
                    return change(InvoiceJobItemState.Retrying, "per-minute quota: waiting for the next window") with { NotBefore = until, ErrorKind = error.Kind };
                }

            case InvoiceOcrErrorKind.LocalQuotaExceeded or InvoiceOcrErrorKind.QuotaExhaustedPerDay:
                {
                    var resumeAt = error.RetryAfter is { } wait && error.Kind == InvoiceOcrErrorKind.LocalQuotaExceeded ? now + wait : QuotaWindows.DayEnd(now);
                    return change(InvoiceJobItemState.QuotaExceeded, "quota used up: parked until it resets") with { NotBefore = resumeAt, ErrorKind = error.Kind, ErrorMessage = message };
                }

            case InvoiceOcrErrorKind.OperationInProgress:
                {
                    // The claim's holder is a worker whose lease lapsed (it stores its outcome within its call) or a dead process
                    // (its claim lasts the total time-out). Asking again sooner than a visibility time-out only adds store writes:
                    // with the claim stage's 5-second hint, a dead process's items would be leased in a tight loop for hours.
                    var hint = error.RetryAfter ?? TimeSpan.FromSeconds(5);
                    var wait = hint > _options.VisibilityTimeout ? hint : _options.VisibilityTimeout;
                    return change(InvoiceJobItemState.Retrying, "operation still claimed by an earlier attempt") with { NotBefore = now + wait };
                }

            case InvoiceOcrErrorKind.OutputTruncated or InvoiceOcrErrorKind.SchemaMismatch:
                {
                    var partial = PartialInvoiceReader.TryRead(error.PartialAnswerText);
                    return change(InvoiceJobItemState.Failed, "answer unusable; partial invoice kept") with
                    {
                        CountFailure = true,
                        ErrorKind = error.Kind,
                        ErrorMessage = message,
                        InvoiceJson = partial is null ? null : InvoiceJson.Serialize(partial),
                        IsPartial = partial is not null,
                        TotalTokens = error.BilledUsage?.TotalTokens ?? 0,
                        KeyId = error.KeyId,
                    };
                }
        }

        var permanent = error is InvalidDocumentException || error.Kind is
            InvoiceOcrErrorKind.InvalidDocument or InvoiceOcrErrorKind.BadRequest or InvoiceOcrErrorKind.ModelNotFound or
            InvoiceOcrErrorKind.ContentBlocked or InvoiceOcrErrorKind.DuplicateOperation or InvoiceOcrErrorKind.Unknown;
        if (permanent || item.FailureCount + 1 >= _options.MaxAttempts)
        {
            return change(InvoiceJobItemState.Failed, permanent ? "failed" : "failed after the last attempt") with { CountFailure = true, ErrorKind = error.Kind, ErrorMessage = message };
        }

        var delay = _options.RetryDelay * Math.Pow(2, Math.Min(item.FailureCount, 5));
        return change(InvoiceJobItemState.Retrying, "transient failure: retrying") with { CountFailure = true, NotBefore = now + delay, ErrorKind = error.Kind, ErrorMessage = message };
    }

    internal async Task<InvoiceJob> GetJobAsync(string jobId, CancellationToken cancellationToken)
    {
        if (_jobs.TryGetValue(jobId, out var job))
        {
            return job;
        }

        job = await _store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvoiceOcrException(InvoiceOcrErrorKind.BadRequest, $"There is no job {jobId}.");
        return _jobs.GetOrAdd(jobId, job);
    }

    internal async Task<InvoiceDocument> LoadAsync(InvoiceJobItem item, CancellationToken cancellationToken)
    {
        switch (item.Source)
        {
            case InvoiceJobDocumentSource.File:
                {
                    // A blob-folder copy is named by its hash; results keep the name the document was added with.
                    var file = await InvoiceDocument.FromFileAsync(item.Location!, _options.MaxDocumentBytes, cancellationToken).ConfigureAwait(false);
                    return item.FileName is { } name && !string.Equals(name, file.FileName, StringComparison.Ordinal) ? InvoiceDocument.FromBytes(file.Content, name) : file;
                }

            case InvoiceJobDocumentSource.Uri:
                {
                    var client = _httpClients.CreateClient(HttpClientName);
                    using var response = await client.GetAsync(new Uri(item.Location!), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                    response.EnsureSuccessStatusCode();
                    var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                    await using (stream.ConfigureAwait(false))
                    {
                        return await InvoiceDocument.FromStreamAsync(stream, item.FileName, _options.MaxDocumentBytes, cancellationToken).ConfigureAwait(false);
                    }
                }

            default:
                var bytes = await _store.GetItemContentAsync(item.ItemId, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvoiceOcrException(InvoiceOcrErrorKind.BadRequest, $"The job item {item.ItemId} has no stored document.");
                return InvoiceDocument.FromBytes(bytes, item.FileName);
        }
    }

    [LoggerMessage(2601, LogLevel.Information, "Job worker {WorkerId} started with {Concurrency} slot(s).")]
    private static partial void LogStarted(ILogger logger, string workerId, int concurrency);

    [LoggerMessage(2602, LogLevel.Information, "Company {CompanyId}: its quota is used up; {Count} job item(s) parked until {ResumeAt:o}.")]
    private static partial void LogParked(ILogger logger, string companyId, int count, DateTimeOffset resumeAt);

    [LoggerMessage(2603, LogLevel.Information, "{Count} parked job item(s) resumed: their quota window reset.")]
    private static partial void LogResumed(ILogger logger, int count);

    [LoggerMessage(2604, LogLevel.Debug, "Company {CompanyId}: per-minute quota full; held back until {Until:o}.")]
    private static partial void LogHeldBack(ILogger logger, string companyId, DateTimeOffset until);

    [LoggerMessage(2605, LogLevel.Warning, "Job item {ItemId}: the lease was lost ({Kind}); another worker owns it now.")]
    private static partial void LogLostLease(ILogger logger, string itemId, InvoiceOcrErrorKind kind);

    [LoggerMessage(2606, LogLevel.Warning, "Job store failed ({Kind}); the worker tries again next round.")]
    private static partial void LogStoreFailed(ILogger logger, InvoiceOcrErrorKind kind, Exception exception);
}
