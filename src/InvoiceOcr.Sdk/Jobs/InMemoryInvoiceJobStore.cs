using InvoiceOcr.Sdk.Storage;

namespace InvoiceOcr.Sdk;

/// <summary>
/// An in-memory <see cref="IInvoiceJobStore"/>, exact under concurrency (one lock serialises each operation, as one transaction
/// would). For tests and single-process use: nothing survives a restart.
/// </summary>
public sealed class InMemoryInvoiceJobStore : IInvoiceJobStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, InvoiceJob> _jobs = new(StringComparer.Ordinal);
    private readonly List<InvoiceJob> _jobOrder = [];
    private readonly Dictionary<string, Entry> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Entry>> _itemsByJob = new(StringComparer.Ordinal);
    private readonly List<InvoiceJobBatch> _batches = [];

    /// <inheritdoc/>
    public Task<InvoiceJob> CreateJobAsync(InvoiceJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        lock (_gate)
        {
            if (job.JobKey is { } key &&
                _jobOrder.FirstOrDefault(j => j.CompanyId == job.CompanyId && j.JobKey == key) is { } existing)
            {
                return Task.FromResult(existing);
            }

            if (_jobs.TryGetValue(job.JobId, out var same))
            {
                return Task.FromResult(same);
            }

            var stored = job with { Version = 1, Control = InvoiceJobControl.Active, UpdatedAt = job.CreatedAt };
            _jobs.Add(job.JobId, stored);
            _jobOrder.Add(stored);
            _itemsByJob.Add(job.JobId, []);
            return Task.FromResult(stored);
        }
    }

    /// <inheritdoc/>
    public Task<InvoiceJob?> GetJobAsync(string jobId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_jobs.GetValueOrDefault(jobId));
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<InvoiceJob>> ListJobsAsync(string companyId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<InvoiceJob> jobs = [.. _jobOrder.Where(j => j.CompanyId == companyId).Select(j => _jobs[j.JobId]).Reverse()];
            return Task.FromResult(jobs);
        }
    }

    /// <inheritdoc/>
    public Task<int> AddItemsAsync(string jobId, IReadOnlyList<NewInvoiceJobItem> items, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        lock (_gate)
        {
            var job = RequireJob(jobId);
            if (job.Control == InvoiceJobControl.Cancelled)
            {
                throw new InvoiceOcrException(InvoiceOcrErrorKind.JobTransitionRejected, $"The job {jobId} is cancelled; no document can be added.");
            }

            var list = _itemsByJob[jobId];
            var added = 0;
            foreach (var item in items)
            {
                if (list.Any(e => e.Item.DocumentSha256 == item.DocumentSha256) || _items.ContainsKey(item.ItemId))
                {
                    continue;
                }

                var entry = new Entry(
                    new InvoiceJobItem
                    {
                        ItemId = item.ItemId,
                        JobId = jobId,
                        CompanyId = job.CompanyId,
                        Sequence = list.Count + 1,
                        FileName = item.FileName,
                        DocumentSha256 = item.DocumentSha256,
                        Source = item.Source,
                        Location = item.Location,
                        State = InvoiceJobItemState.Pending,
                        Version = 1,
                        OperationId = item.OperationId,
                        CreatedAt = now,
                        UpdatedAt = now,
                    },
                    item.Source == InvoiceJobDocumentSource.Stored ? item.Content.ToArray() : null);
                list.Add(entry);
                _items.Add(item.ItemId, entry);
                added++;
            }

            return Task.FromResult(added);
        }
    }

    /// <inheritdoc/>
    public Task<InvoiceJobProgress> GetProgressAsync(string jobId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var list = _itemsByJob.GetValueOrDefault(jobId) ?? [];
            var counts = list.GroupBy(e => e.Item.State).ToDictionary(g => g.Key, g => g.Count());
            var resumes = list.Where(e => e.Item.State == InvoiceJobItemState.QuotaExceeded).Select(e => e.Item.NotBefore).Min();
            return Task.FromResult(InvoiceJobProgress.FromCounts(counts, resumes));
        }
    }

    /// <inheritdoc/>
    public Task<InvoiceJobItemPage> ListItemsAsync(InvoiceJobItemQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        InvoiceJobStoreValidation.Validate(query);
        lock (_gate)
        {
            var list = _itemsByJob.GetValueOrDefault(query.JobId) ?? [];
            var page = list
                .Where(e => e.Item.Sequence > query.After && (query.State is null || e.Item.State == query.State))
                .Take(query.PageSize + 1)
                .Select(e => e.Item)
                .ToList();
            return Task.FromResult(InvoiceJobStoreValidation.Page(page, query.PageSize));
        }
    }

    /// <inheritdoc/>
    public Task<InvoiceJobItem?> GetItemAsync(string itemId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_items.GetValueOrDefault(itemId)?.Item);
        }
    }

    /// <inheritdoc/>
    public Task<byte[]?> GetItemContentAsync(string itemId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_items.GetValueOrDefault(itemId)?.Content);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<InvoiceJobItemTransition>> ListTransitionsAsync(string itemId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<InvoiceJobItemTransition> list = _items.TryGetValue(itemId, out var entry) ? [.. entry.History] : [];
            return Task.FromResult(list);
        }
    }

    /// <inheritdoc/>
    public Task<InvoiceJobItem> TransitionItemAsync(InvoiceJobItemChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            if (!_items.TryGetValue(change.ItemId, out var entry))
            {
                throw new InvoiceOcrException(InvoiceOcrErrorKind.JobVersionConflict, $"The job item {change.ItemId} does not exist.");
            }

            var next = InvoiceJobStoreValidation.Changed(entry.Item, change);
            Apply(entry, next, change.Reason, change.WorkerId, change.AttemptId);
            return Task.FromResult(next);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<InvoiceJobItem>> LeaseItemsAsync(InvoiceJobLeaseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var leased = new List<InvoiceJobItem>();
        lock (_gate)
        {
            foreach (var job in _jobOrder)
            {
                var current = _jobs[job.JobId];
                if (current.Control != InvoiceJobControl.Active || request.ExcludedCompanies.Contains(current.CompanyId) ||
                    (request.BatchMode == true && !current.UseBatchMode))
                {
                    continue;
                }

                foreach (var entry in _itemsByJob[job.JobId])
                {
                    if (leased.Count >= request.MaxItems)
                    {
                        return Task.FromResult<IReadOnlyList<InvoiceJobItem>>(leased);
                    }

                    var item = entry.Item;

                    // The route is the item's: a batch-mode job's item that fell back to interactive calls is leased as interactive.
                    if (request.BatchMode is { } batch && batch != (current.UseBatchMode && !item.InteractiveFallback))
                    {
                        continue;
                    }

                    var reason = InvoiceJobStoreValidation.LeaseReason(item, request.Now);
                    if (reason is null)
                    {
                        continue;
                    }

                    var next = InvoiceJobStoreValidation.Leased(item, request);
                    Apply(entry, next, reason, request.WorkerId, null);
                    leased.Add(next);
                }
            }
        }

        return Task.FromResult<IReadOnlyList<InvoiceJobItem>>(leased);
    }

    /// <inheritdoc/>
    public Task<int> RenewLeasesAsync(string workerId, IReadOnlyCollection<string> itemIds, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        lock (_gate)
        {
            var renewed = 0;
            foreach (var id in itemIds)
            {
                if (_items.TryGetValue(id, out var entry) && entry.Item.State == InvoiceJobItemState.Processing && entry.Item.LeaseOwner == workerId)
                {
                    // A heartbeat is not a state change: the version stays, so the worker's next transition still matches.
                    entry.Item = entry.Item with { LeaseExpiresAt = leaseUntil };
                    renewed++;
                }
            }

            return Task.FromResult(renewed);
        }
    }

    /// <inheritdoc/>
    public Task<int> ParkCompanyAsync(string companyId, DateTimeOffset resumeAt, string reason, string? workerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var parked = 0;
            foreach (var job in _jobOrder.Where(j => j.CompanyId == companyId && _jobs[j.JobId].Control == InvoiceJobControl.Active))
            {
                foreach (var entry in _itemsByJob[job.JobId])
                {
                    if (entry.Item.State is InvoiceJobItemState.Pending or InvoiceJobItemState.Retrying)
                    {
                        Apply(entry, InvoiceJobStoreValidation.Moved(entry.Item, InvoiceJobItemState.QuotaExceeded, resumeAt, now), reason, workerId, null);
                        parked++;
                    }
                }
            }

            return Task.FromResult(parked);
        }
    }

    /// <inheritdoc/>
    public Task<int> ResumeDueAsync(DateTimeOffset now, string? workerId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var resumed = 0;
            foreach (var entry in _items.Values.Where(e => e.Item.State == InvoiceJobItemState.QuotaExceeded && e.Item.NotBefore <= now).ToList())
            {
                Apply(entry, InvoiceJobStoreValidation.Moved(entry.Item, InvoiceJobItemState.Pending, null, now), "quota window reset", workerId, null);
                resumed++;
            }

            return Task.FromResult(resumed);
        }
    }

    /// <inheritdoc/>
    public Task<InvoiceJob> SetJobControlAsync(string jobId, InvoiceJobControl control, long? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var job = RequireJob(jobId);
            InvoiceJobStoreValidation.EnsureControl(job, control, expectedVersion);
            foreach (var entry in _itemsByJob[jobId])
            {
                if (InvoiceJobStoreValidation.ControlTarget(entry.Item.State, control) is { } to)
                {
                    Apply(entry, InvoiceJobStoreValidation.Moved(entry.Item, to, null, now), "job " + control.ToString().ToLowerInvariant(), InvoiceJobStoreValidation.ApiWorker, null);
                }
            }

            var next = job with { Control = control, Version = job.Version + 1, UpdatedAt = now };
            _jobs[jobId] = next;
            return Task.FromResult(next);
        }
    }

    /// <inheritdoc/>
    public Task<int> RetryFailedAsync(string jobId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var job = RequireJob(jobId);
            if (job.Control == InvoiceJobControl.Cancelled)
            {
                throw new InvoiceOcrException(InvoiceOcrErrorKind.JobTransitionRejected, $"The job {jobId} is cancelled; its items cannot be retried.");
            }

            var retried = 0;
            foreach (var entry in _itemsByJob[jobId].Where(e => e.Item.State == InvoiceJobItemState.Failed))
            {
                Apply(entry, InvoiceJobStoreValidation.Moved(entry.Item, InvoiceJobItemState.Pending, null, now), "retry failed", InvoiceJobStoreValidation.ApiWorker, null);
                retried++;
            }

            return Task.FromResult(retried);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<InvoiceJobItem>> CreateBatchAsync(InvoiceJobBatch batch, IReadOnlyList<InvoiceJobItemChange> changes, CancellationToken cancellationToken)
    {
        InvoiceJobStoreValidation.Validate(batch);
        ArgumentNullException.ThrowIfNull(changes);
        lock (_gate)
        {
            if (_batches.Any(b => b.BatchId == batch.BatchId))
            {
                throw new InvoiceOcrException(InvoiceOcrErrorKind.JobVersionConflict, $"The batch {batch.BatchId} exists already.");
            }

            // Check every change first, so a conflict stores nothing (one transaction).
            var nexts = new List<(Entry Entry, InvoiceJobItem Next, InvoiceJobItemChange Change)>();
            foreach (var change in changes)
            {
                if (!_items.TryGetValue(change.ItemId, out var entry))
                {
                    throw new InvoiceOcrException(InvoiceOcrErrorKind.JobVersionConflict, $"The job item {change.ItemId} does not exist.");
                }

                nexts.Add((entry, InvoiceJobStoreValidation.Changed(entry.Item, change), change));
            }

            foreach (var (entry, next, change) in nexts)
            {
                Apply(entry, next, change.Reason, change.WorkerId, change.AttemptId);
            }

            _batches.Add(batch with { Version = 1 });
            IReadOnlyList<InvoiceJobItem> items = [.. nexts.Select(n => n.Next)];
            return Task.FromResult(items);
        }
    }

    /// <inheritdoc/>
    public Task<InvoiceJobBatch?> UpdateBatchAsync(InvoiceJobBatch batch, long expectedVersion, CancellationToken cancellationToken)
    {
        InvoiceJobStoreValidation.Validate(batch);
        lock (_gate)
        {
            var at = _batches.FindIndex(b => b.BatchId == batch.BatchId);
            if (at < 0 || _batches[at].Version != expectedVersion)
            {
                return Task.FromResult<InvoiceJobBatch?>(null);
            }

            var stored = batch with { Version = expectedVersion + 1, CreatedAt = _batches[at].CreatedAt };
            _batches[at] = stored;
            return Task.FromResult<InvoiceJobBatch?>(stored);
        }
    }

    /// <inheritdoc/>
    public Task<InvoiceJobBatch?> GetBatchAsync(string batchId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_batches.FirstOrDefault(b => b.BatchId == batchId));
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<InvoiceJobBatch>> ListBatchesAsync(string? jobId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<InvoiceJobBatch> list = [.. _batches.Where(b => jobId is null ? b.IsOpen : b.JobId == jobId)];
            return Task.FromResult(list);
        }
    }

    private static void Apply(Entry entry, InvoiceJobItem next, string? reason, string? workerId, string? attemptId)
    {
        entry.History.Add(InvoiceJobStoreValidation.Transition(entry.Item, next, reason, workerId, attemptId));
        entry.Item = next;
    }

    private InvoiceJob RequireJob(string jobId) =>
        _jobs.GetValueOrDefault(jobId) ?? throw new InvoiceOcrException(InvoiceOcrErrorKind.BadRequest, $"There is no job {jobId}.");

    private sealed class Entry(InvoiceJobItem item, byte[]? content)
    {
        public InvoiceJobItem Item { get; set; } = item;

        public byte[]? Content { get; } = content;

        public List<InvoiceJobItemTransition> History { get; } = [];
    }
}
