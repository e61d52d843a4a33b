using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using InvoiceOcr.Sdk.Storage;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// <see cref="IInvoiceJobStore"/> over a relational database, written once: a provider supplies its dialect, its
/// <see cref="RelationalJobStatements"/> (with its lock hints for leases) and its connections, and derives one sealed type.
/// Each method is one transaction; each item change is a conditional update on the item's version, applying the shared rules
/// of <see cref="InvoiceJobStoreValidation"/>, and inserts its transition row in the same transaction.
/// </summary>
/// <remarks>Thread-safe; register one instance per database.</remarks>
public abstract class RelationalInvoiceJobStore : IInvoiceJobStore
{
    private readonly RelationalDialect _dialect;
    private readonly RelationalJobStatements _sql;
    private readonly RelationalConnectionFactory _connections;
    private readonly string _storeName;
    private RelationalStoreMetrics? _metrics;

    /// <summary>Initializes the store.</summary>
    /// <param name="dialect">The provider's dialect.</param>
    /// <param name="statements">The provider's job statements.</param>
    /// <param name="connections">Opens the provider's connections.</param>
    /// <param name="storeName">The provider's name, for messages (for example <c>SQLite</c>).</param>
    protected RelationalInvoiceJobStore(RelationalDialect dialect, RelationalJobStatements statements, RelationalConnectionFactory connections, string storeName)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(statements);
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentException.ThrowIfNullOrWhiteSpace(storeName);
        _dialect = dialect;
        _sql = statements;
        _connections = connections;
        _storeName = storeName;
    }

    /// <summary>Times every operation on the main store's <c>db.client.operation.duration</c>; called by the DI registration.</summary>
    /// <param name="metrics">The instrument of the store this job store shares a database with.</param>
    internal void UseMetrics(RelationalStoreMetrics? metrics) => _metrics = metrics;

    /// <inheritdoc/>
    public async Task<InvoiceJob> CreateJobAsync(InvoiceJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        try
        {
            return await WriteAsync(
                async (connection, transaction) =>
                {
                    if (await FindJobAsync(connection, transaction, job, cancellationToken).ConfigureAwait(false) is { } existing)
                    {
                        return existing;
                    }

                    using (var insert = Command(
                        connection,
                        transaction,
                        _sql.InsertJob,
                        ("id", job.JobId),
                        ("company", job.CompanyId),
                        ("jobKey", job.JobKey),
                        ("user", job.RequestedBy),
                        ("branch", job.Branch),
                        ("batch", _dialect.Flag(job.UseBatchMode)),
                        ("fallback", _dialect.Flag(job.FallbackToInteractive)),
                        ("control", _dialect.SmallInteger((int)InvoiceJobControl.Active)),
                        ("version", 1L),
                        ("now", _dialect.Time(job.CreatedAt))))
                    {
                        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    return job with { Control = InvoiceJobControl.Active, Version = 1, UpdatedAt = job.CreatedAt };
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (DbException ex) when (_dialect.Classify(ex) == RelationalErrorKind.UniqueViolation)
        {
            // Another instance created the job with this key at the same moment: that job is the one.
            var winner = await ReadAsync(connection => FindJobAsync(connection, null, job, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (winner is null)
            {
                throw;
            }

            return winner;
        }
    }

    /// <inheritdoc/>
    public Task<InvoiceJob?> GetJobAsync(string jobId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        return ReadAsync(connection => SelectJobAsync(connection, null, _sql.SelectJob, jobId, cancellationToken), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<InvoiceJob>> ListJobsAsync(string companyId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(companyId);
        return ReadAsync(
            async connection =>
            {
                using var select = Command(connection, null, _sql.SelectJobsByCompany, ("company", companyId));
                return await ReadAllAsync(select, ReadJob, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<int> AddItemsAsync(string jobId, IReadOnlyList<NewInvoiceJobItem> items, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        ArgumentNullException.ThrowIfNull(items);
        return WriteAsync(
            async (connection, transaction) =>
            {
                var job = await SelectJobAsync(connection, transaction, _sql.LockJob, jobId, cancellationToken).ConfigureAwait(false)
                    ?? throw NoJob(jobId);
                if (job.Control == InvoiceJobControl.Cancelled)
                {
                    throw new InvoiceOcrException(InvoiceOcrErrorKind.JobTransitionRejected, $"The job {jobId} is cancelled; no document can be added.");
                }

                int sequence;
                using (var max = Command(connection, transaction, _sql.SelectMaxSequence, ("job", jobId)))
                {
                    sequence = Convert.ToInt32(await max.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0, CultureInfo.InvariantCulture);
                }

                var added = 0;
                foreach (var item in items)
                {
                    using (var count = Command(connection, transaction, _sql.CountItemsWithHash, ("job", jobId), ("sha", item.DocumentSha256)))
                    {
                        if (Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) > 0)
                        {
                            continue;
                        }
                    }

                    sequence++;
                    byte[]? content = item.Source == InvoiceJobDocumentSource.Stored ? item.Content.ToArray() : null;
                    using var insert = Command(
                        connection,
                        transaction,
                        _sql.InsertItem,
                        ("id", item.ItemId),
                        ("job", jobId),
                        ("company", job.CompanyId),
                        ("sequence", sequence),
                        ("fileName", item.FileName),
                        ("sha", item.DocumentSha256),
                        ("source", _dialect.SmallInteger((int)item.Source)),
                        ("location", item.Location),
                        ("content", content),
                        ("state", _dialect.SmallInteger((int)InvoiceJobItemState.Pending)),
                        ("operation", item.OperationId),
                        ("now", _dialect.Time(now)));
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    added++;
                }

                return added;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<InvoiceJobProgress> GetProgressAsync(string jobId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        return ReadAsync(
            async connection =>
            {
                using var select = Command(connection, null, _sql.CountItemsByState, ("job", jobId));
                var rows = await ReadAllAsync(select, ReadCount, cancellationToken).ConfigureAwait(false);
                var resumes = rows.Where(static r => r.State == InvoiceJobItemState.QuotaExceeded).Select(static r => r.NotBefore).Min();
                return InvoiceJobProgress.FromCounts(rows.ToDictionary(static r => r.State, static r => r.Count), resumes);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<InvoiceJobItemPage> ListItemsAsync(InvoiceJobItemQuery query, CancellationToken cancellationToken)
    {
        InvoiceJobStoreValidation.Validate(query);
        return ReadAsync(
            async connection =>
            {
                using var select = query.State is { } state
                    ? Command(connection, null, _sql.SelectItemsPageInState, ("job", query.JobId), ("state", _dialect.SmallInteger((int)state)), ("after", query.After), ("take", query.PageSize + 1))
                    : Command(connection, null, _sql.SelectItemsPage, ("job", query.JobId), ("after", query.After), ("take", query.PageSize + 1));
                var items = await ReadAllAsync(select, ReadItem, cancellationToken).ConfigureAwait(false);
                return InvoiceJobStoreValidation.Page([.. items], query.PageSize);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<InvoiceJobItem?> GetItemAsync(string itemId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(itemId);
        return ReadAsync(connection => SelectItemAsync(connection, null, itemId, cancellationToken), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<byte[]?> GetItemContentAsync(string itemId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(itemId);
        return ReadAsync(
            async connection =>
            {
                using var select = Command(connection, null, _sql.SelectItemContent, ("id", itemId));
                var value = await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                return value as byte[];
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<InvoiceJobItemTransition>> ListTransitionsAsync(string itemId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(itemId);
        return ReadAsync(
            async connection =>
            {
                using var select = Command(connection, null, _sql.SelectTransitions, ("id", itemId));
                return await ReadAllAsync(select, ReadTransition, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<InvoiceJobItem> TransitionItemAsync(InvoiceJobItemChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        return WriteAsync(
            async (connection, transaction) =>
            {
                var item = await SelectItemAsync(connection, transaction, change.ItemId, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvoiceOcrException(InvoiceOcrErrorKind.JobVersionConflict, $"The job item {change.ItemId} does not exist.");
                var next = InvoiceJobStoreValidation.Changed(item, change);
                await SaveAsync(connection, transaction, item, next, change.Reason, change.WorkerId, change.AttemptId, cancellationToken).ConfigureAwait(false);
                return next;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<InvoiceJobItem>> LeaseItemsAsync(InvoiceJobLeaseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.MaxItems, 1);
        return WriteAsync<IReadOnlyList<InvoiceJobItem>>(
            async (connection, transaction) =>
            {
                // The statement locks what it reads (UPDLOCK / FOR UPDATE), and concurrent workers skip locked rows: read only what
                // is asked, so no worker holds rows it will not lease. With held-back companies read more and skip theirs here,
                // in C#, so the statement stays one fixed text per provider.
                var take = request.ExcludedCompanies.Count == 0 ? request.MaxItems : (request.MaxItems * 4) + 16;
                IReadOnlyList<(InvoiceJobItem Item, bool BatchMode)> candidates;
                using (var select = Command(connection, transaction, _sql.SelectLeasableItems, ("now", _dialect.Time(request.Now)), ("take", take)))
                {
                    candidates = await ReadAllAsync(select, r => (ReadItem(r), _dialect.ReadFlag(r, 25)), cancellationToken).ConfigureAwait(false);
                }

                var leased = new List<InvoiceJobItem>();
                foreach (var (item, batchMode) in candidates)
                {
                    if (leased.Count >= request.MaxItems)
                    {
                        break;
                    }

                    // The route is the item's: a batch-mode job's item that fell back to interactive calls is leased as interactive.
                    if (request.ExcludedCompanies.Contains(item.CompanyId) || (request.BatchMode is { } batch && batch != (batchMode && !item.InteractiveFallback)) ||
                        InvoiceJobStoreValidation.LeaseReason(item, request.Now) is not { } reason)
                    {
                        continue;
                    }

                    var next = InvoiceJobStoreValidation.Leased(item, request);
                    await SaveAsync(connection, transaction, item, next, reason, request.WorkerId, null, cancellationToken).ConfigureAwait(false);
                    leased.Add(next);
                }

                return leased;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<int> RenewLeasesAsync(string workerId, IReadOnlyCollection<string> itemIds, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workerId);
        ArgumentNullException.ThrowIfNull(itemIds);
        return WriteAsync(
            async (connection, transaction) =>
            {
                var renewed = 0;
                foreach (var id in itemIds)
                {
                    using var renew = Command(connection, transaction, _sql.RenewLease, ("id", id), ("worker", workerId), ("leaseUntil", _dialect.Time(leaseUntil)));
                    renewed += await renew.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                return renewed;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<int> ParkCompanyAsync(string companyId, DateTimeOffset resumeAt, string reason, string? workerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(companyId);
        return WriteAsync(
            async (connection, transaction) =>
            {
                using var select = Command(connection, transaction, _sql.SelectWaitingItemsOfCompany, ("company", companyId));
                var items = await ReadAllAsync(select, ReadItem, cancellationToken).ConfigureAwait(false);
                return await MoveAsync(
                    connection,
                    transaction,
                    items,
                    static item => item.State is InvoiceJobItemState.Pending or InvoiceJobItemState.Retrying ? InvoiceJobItemState.QuotaExceeded : null,
                    resumeAt,
                    now,
                    reason,
                    workerId,
                    cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<int> ResumeDueAsync(DateTimeOffset now, string? workerId, CancellationToken cancellationToken) =>
        WriteAsync(
            async (connection, transaction) =>
            {
                using var select = Command(connection, transaction, _sql.SelectDueParkedItems, ("now", _dialect.Time(now)));
                var items = await ReadAllAsync(select, ReadItem, cancellationToken).ConfigureAwait(false);
                return await MoveAsync(
                    connection,
                    transaction,
                    items,
                    item => item.State == InvoiceJobItemState.QuotaExceeded && item.NotBefore <= now ? InvoiceJobItemState.Pending : null,
                    null,
                    now,
                    "quota window reset",
                    workerId,
                    cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<InvoiceJob> SetJobControlAsync(string jobId, InvoiceJobControl control, long? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        return WriteAsync(
            async (connection, transaction) =>
            {
                var job = await SelectJobAsync(connection, transaction, _sql.LockJob, jobId, cancellationToken).ConfigureAwait(false) ?? throw NoJob(jobId);
                InvoiceJobStoreValidation.EnsureControl(job, control, expectedVersion);
                var reason = "job " + control.ToString().ToLowerInvariant();
                using (var select = Command(connection, transaction, _sql.SelectItemsOfJob, ("job", jobId)))
                {
                    var items = await ReadAllAsync(select, ReadItem, cancellationToken).ConfigureAwait(false);
                    await MoveAsync(connection, transaction, items, item => InvoiceJobStoreValidation.ControlTarget(item.State, control), null, now, reason, InvoiceJobStoreValidation.ApiWorker, cancellationToken).ConfigureAwait(false);
                }

                using (var update = Command(
                    connection,
                    transaction,
                    _sql.UpdateJobControl,
                    ("id", jobId),
                    ("control", _dialect.SmallInteger((int)control)),
                    ("version", job.Version),
                    ("now", _dialect.Time(now))))
                {
                    if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                    {
                        InvoiceJobStoreValidation.EnsureControl(job, control, job.Version + 1);
                    }
                }

                return job with { Control = control, Version = job.Version + 1, UpdatedAt = now };
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<int> RetryFailedAsync(string jobId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        return WriteAsync(
            async (connection, transaction) =>
            {
                var job = await SelectJobAsync(connection, transaction, _sql.LockJob, jobId, cancellationToken).ConfigureAwait(false) ?? throw NoJob(jobId);
                if (job.Control == InvoiceJobControl.Cancelled)
                {
                    throw new InvoiceOcrException(InvoiceOcrErrorKind.JobTransitionRejected, $"The job {jobId} is cancelled; its items cannot be retried.");
                }

                using var select = Command(connection, transaction, _sql.SelectItemsOfJob, ("job", jobId));
                var items = await ReadAllAsync(select, ReadItem, cancellationToken).ConfigureAwait(false);
                return await MoveAsync(connection, transaction, items, static item => item.State == InvoiceJobItemState.Failed ? InvoiceJobItemState.Pending : null, null, now, "retry failed", InvoiceJobStoreValidation.ApiWorker, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    private async Task<int> MoveAsync(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyList<InvoiceJobItem> items,
        Func<InvoiceJobItem, InvoiceJobItemState?> target,
        DateTimeOffset? notBefore,
        DateTimeOffset now,
        string reason,
        string? workerId,
        CancellationToken cancellationToken)
    {
        var moved = 0;
        foreach (var item in items)
        {
            if (target(item) is { } to)
            {
                var next = InvoiceJobStoreValidation.Moved(item, to, notBefore, now);
                await SaveAsync(connection, transaction, item, next, reason, workerId, null, cancellationToken).ConfigureAwait(false);
                moved++;
            }
        }

        return moved;
    }

    private async Task SaveAsync(DbConnection connection, DbTransaction transaction, InvoiceJobItem before, InvoiceJobItem after, string? reason, string? workerId, string? attemptId, CancellationToken cancellationToken)
    {
        int? errorKind = after.ErrorKind is { } kind ? (int)kind : null;
        using (var update = Command(
            connection,
            transaction,
            _sql.UpdateItem,
            ("id", after.ItemId),
            ("expected", before.Version),
            ("state", _dialect.SmallInteger((int)after.State)),
            ("version", after.Version),
            ("leaseCount", after.LeaseCount),
            ("failureCount", after.FailureCount),
            ("owner", after.LeaseOwner),
            ("leaseUntil", Time(after.LeaseExpiresAt)),
            ("notBefore", Time(after.NotBefore)),
            ("errorKind", errorKind),
            ("errorMessage", after.ErrorMessage),
            ("invoiceJson", after.InvoiceJson),
            ("partial", _dialect.Flag(after.IsPartial)),
            ("tokens", after.TotalTokens),
            ("keyId", after.KeyId),
            ("fallback", _dialect.Flag(after.InteractiveFallback)),
            ("now", _dialect.Time(after.UpdatedAt))))
        {
            if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                // Changed since it was read in this transaction: another writer won the row.
                throw new InvoiceOcrException(InvoiceOcrErrorKind.JobVersionConflict, $"The job item {after.ItemId} was changed by someone else; read it again.");
            }
        }

        var transition = InvoiceJobStoreValidation.Transition(before, after, reason, workerId, attemptId);
        using var insert = Command(
            connection,
            transaction,
            _sql.InsertTransition,
            ("id", transition.ItemId),
            ("version", transition.Version),
            ("from", _dialect.SmallInteger((int)transition.From)),
            ("to", _dialect.SmallInteger((int)transition.To)),
            ("reason", transition.Reason),
            ("at", _dialect.Time(transition.At)),
            ("worker", transition.WorkerId),
            ("operation", transition.OperationId),
            ("attempt", transition.AttemptId));
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<InvoiceJob?> FindJobAsync(DbConnection connection, DbTransaction? transaction, InvoiceJob job, CancellationToken cancellationToken)
    {
        if (job.JobKey is { } key)
        {
            using var byKey = Command(connection, transaction, _sql.SelectJobByKey, ("company", job.CompanyId), ("jobKey", key));
            if ((await ReadAllAsync(byKey, ReadJob, cancellationToken).ConfigureAwait(false)) is [var found, ..])
            {
                return found;
            }
        }

        return await SelectJobAsync(connection, transaction, _sql.SelectJob, job.JobId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<InvoiceJob?> SelectJobAsync(DbConnection connection, DbTransaction? transaction, string sql, string jobId, CancellationToken cancellationToken)
    {
        using var select = Command(connection, transaction, sql, ("id", jobId));
        return (await ReadAllAsync(select, ReadJob, cancellationToken).ConfigureAwait(false)) is [var job, ..] ? job : null;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<InvoiceJobItem>> CreateBatchAsync(InvoiceJobBatch batch, IReadOnlyList<InvoiceJobItemChange> changes, CancellationToken cancellationToken)
    {
        InvoiceJobStoreValidation.Validate(batch);
        ArgumentNullException.ThrowIfNull(changes);
        return WriteAsync<IReadOnlyList<InvoiceJobItem>>(
            async (connection, transaction) =>
            {
                var items = new List<InvoiceJobItem>();
                foreach (var change in changes)
                {
                    var item = await SelectItemAsync(connection, transaction, change.ItemId, cancellationToken).ConfigureAwait(false)
                        ?? throw new InvoiceOcrException(InvoiceOcrErrorKind.JobVersionConflict, $"The job item {change.ItemId} does not exist.");
                    var next = InvoiceJobStoreValidation.Changed(item, change);
                    await SaveAsync(connection, transaction, item, next, change.Reason, change.WorkerId, change.AttemptId, cancellationToken).ConfigureAwait(false);
                    items.Add(next);
                }

                using var insert = Command(
                    connection,
                    transaction,
                    _sql.InsertBatch,
                    ("id", batch.BatchId),
                    ("job", batch.JobId),
                    ("company", batch.CompanyId),
                    ("keyId", batch.KeyId),
                    ("model", batch.Model),
                    ("state", _dialect.SmallInteger((int)batch.State)),
                    ("geminiName", batch.GeminiName),
                    ("detail", batch.Detail),
                    ("itemCount", batch.ItemCount),
                    ("entries", batch.EntriesJson),
                    ("owner", batch.Owner),
                    ("ownerUntil", _dialect.Time(batch.OwnerUntil)),
                    ("nextPoll", _dialect.Time(batch.NextPollAt)),
                    ("version", 1L),
                    ("created", _dialect.Time(batch.CreatedAt)),
                    ("updated", _dialect.Time(batch.UpdatedAt)));
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return items;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<InvoiceJobBatch?> UpdateBatchAsync(InvoiceJobBatch batch, long expectedVersion, CancellationToken cancellationToken)
    {
        InvoiceJobStoreValidation.Validate(batch);
        return WriteAsync<InvoiceJobBatch?>(
            async (connection, transaction) =>
            {
                using (var update = Command(
                    connection,
                    transaction,
                    _sql.UpdateBatch,
                    ("id", batch.BatchId),
                    ("expected", expectedVersion),
                    ("state", _dialect.SmallInteger((int)batch.State)),
                    ("geminiName", batch.GeminiName),
                    ("detail", batch.Detail),
                    ("owner", batch.Owner),
                    ("ownerUntil", _dialect.Time(batch.OwnerUntil)),
                    ("nextPoll", _dialect.Time(batch.NextPollAt)),
                    ("version", expectedVersion + 1),
                    ("updated", _dialect.Time(batch.UpdatedAt))))
                {
                    if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                    {
                        return null;
                    }
                }

                using var select = Command(connection, transaction, _sql.SelectBatch, ("id", batch.BatchId));
                return (await ReadAllAsync(select, ReadBatch, cancellationToken).ConfigureAwait(false)) is [var stored, ..] ? stored : null;
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<InvoiceJobBatch?> GetBatchAsync(string batchId, CancellationToken cancellationToken) =>
        ReadAsync<InvoiceJobBatch?>(
            async connection =>
            {
                using var select = Command(connection, null, _sql.SelectBatch, ("id", batchId));
                return (await ReadAllAsync(select, ReadBatch, cancellationToken).ConfigureAwait(false)) is [var stored, ..] ? stored : null;
            },
            cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<InvoiceJobBatch>> ListBatchesAsync(string? jobId, CancellationToken cancellationToken) =>
        ReadAsync(
            async connection =>
            {
                using var select = jobId is null
                    ? Command(connection, null, _sql.SelectOpenBatches)
                    : Command(connection, null, _sql.SelectBatchesOfJob, ("job", jobId));
                return await ReadAllAsync(select, ReadBatch, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    private InvoiceJobBatch ReadBatch(DbDataReader reader) => new()
    {
        BatchId = reader.GetString(0),
        JobId = reader.GetString(1),
        CompanyId = reader.GetString(2),
        KeyId = reader.GetString(3),
        Model = reader.GetString(4),
        State = (InvoiceJobBatchState)_dialect.ReadSmallInteger(reader, 5),
        GeminiName = reader.IsDBNull(6) ? null : reader.GetString(6),
        Detail = reader.IsDBNull(7) ? null : reader.GetString(7),
        ItemCount = reader.GetInt32(8),
        EntriesJson = reader.GetString(9),
        Owner = reader.IsDBNull(10) ? null : reader.GetString(10),
        OwnerUntil = _dialect.ReadTime(reader, 11),
        NextPollAt = _dialect.ReadTime(reader, 12),
        Version = reader.GetInt64(13),
        CreatedAt = _dialect.ReadTime(reader, 14),
        UpdatedAt = _dialect.ReadTime(reader, 15),
    };

    private async Task<InvoiceJobItem?> SelectItemAsync(DbConnection connection, DbTransaction? transaction, string itemId, CancellationToken cancellationToken)
    {
        using var select = Command(connection, transaction, _sql.SelectItem, ("id", itemId));
        return (await ReadAllAsync(select, ReadItem, cancellationToken).ConfigureAwait(false)) is [var item, ..] ? item : null;
    }

    private InvoiceJob ReadJob(DbDataReader reader) => new()
    {
        JobId = reader.GetString(0),
        CompanyId = reader.GetString(1),
        JobKey = reader.IsDBNull(2) ? null : reader.GetString(2),
        RequestedBy = reader.IsDBNull(3) ? null : reader.GetString(3),
        Branch = reader.IsDBNull(4) ? null : reader.GetString(4),
        UseBatchMode = _dialect.ReadFlag(reader, 5),
        Control = (InvoiceJobControl)_dialect.ReadSmallInteger(reader, 6),
        Version = reader.GetInt64(7),
        CreatedAt = _dialect.ReadTime(reader, 8),
        UpdatedAt = _dialect.ReadTime(reader, 9),
        FallbackToInteractive = _dialect.ReadFlag(reader, 10),
    };

    private InvoiceJobItem ReadItem(DbDataReader reader) => new()
    {
        ItemId = reader.GetString(0),
        JobId = reader.GetString(1),
        CompanyId = reader.GetString(2),
        Sequence = reader.GetInt32(3),
        FileName = reader.IsDBNull(4) ? null : reader.GetString(4),
        DocumentSha256 = reader.GetString(5),
        Source = (InvoiceJobDocumentSource)_dialect.ReadSmallInteger(reader, 6),
        Location = reader.IsDBNull(7) ? null : reader.GetString(7),
        State = (InvoiceJobItemState)_dialect.ReadSmallInteger(reader, 8),
        Version = reader.GetInt64(9),
        LeaseCount = reader.GetInt32(10),
        FailureCount = reader.GetInt32(11),
        LeaseOwner = reader.IsDBNull(12) ? null : reader.GetString(12),
        LeaseExpiresAt = _dialect.ReadNullableTime(reader, 13),
        NotBefore = _dialect.ReadNullableTime(reader, 14),
        OperationId = reader.GetString(15),
        ErrorKind = reader.IsDBNull(16) ? null : (InvoiceOcrErrorKind)reader.GetInt32(16),
        ErrorMessage = reader.IsDBNull(17) ? null : reader.GetString(17),
        InvoiceJson = reader.IsDBNull(18) ? null : reader.GetString(18),
        IsPartial = _dialect.ReadFlag(reader, 19),
        TotalTokens = reader.GetInt32(20),
        KeyId = reader.IsDBNull(21) ? null : reader.GetString(21),
        CreatedAt = _dialect.ReadTime(reader, 22),
        UpdatedAt = _dialect.ReadTime(reader, 23),
        InteractiveFallback = _dialect.ReadFlag(reader, 24),
    };

    private InvoiceJobItemTransition ReadTransition(DbDataReader reader) => new()
    {
        ItemId = reader.GetString(0),
        Version = reader.GetInt64(1),
        From = (InvoiceJobItemState)_dialect.ReadSmallInteger(reader, 2),
        To = (InvoiceJobItemState)_dialect.ReadSmallInteger(reader, 3),
        Reason = reader.IsDBNull(4) ? null : reader.GetString(4),
        At = _dialect.ReadTime(reader, 5),
        WorkerId = reader.IsDBNull(6) ? null : reader.GetString(6),
        OperationId = reader.IsDBNull(7) ? null : reader.GetString(7),
        AttemptId = reader.IsDBNull(8) ? null : reader.GetString(8),
    };

    private (InvoiceJobItemState State, int Count, DateTimeOffset? NotBefore) ReadCount(DbDataReader reader) =>
        ((InvoiceJobItemState)_dialect.ReadSmallInteger(reader, 0), reader.GetInt32(1), _dialect.ReadNullableTime(reader, 2));

    private DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = _connections.CreateCommand(connection, transaction, sql);
        foreach (var (name, value) in parameters)
        {
            _dialect.Add(command, name, value);
        }

        return command;
    }

    private object? Time(DateTimeOffset? value) => value is { } v ? _dialect.Time(v) : null;

    private static InvoiceOcrException NoJob(string jobId) => new(InvoiceOcrErrorKind.BadRequest, $"There is no job {jobId}.");

    private async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> body, CancellationToken cancellationToken, [CallerMemberName] string operation = "")
    {
        var started = _metrics?.Start() ?? 0;
        try
        {
            var connection = await _connections.OpenAsync(RelationalWork.Quota, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await _connections.BeginTransactionAsync(connection, RelationalWork.Quota, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var result = await body(connection, transaction).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    _metrics?.Record(started, operation, null);
                    return result;
                }
            }
        }
        catch (Exception ex) when (RelationalStoreMetrics.RecordFailure(_metrics, started, operation, ex) && IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    private async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> body, CancellationToken cancellationToken, [CallerMemberName] string operation = "")
    {
        var started = _metrics?.Start() ?? 0;
        try
        {
            var connection = await _connections.OpenAsync(RelationalWork.Read, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var result = await body(connection).ConfigureAwait(false);
                _metrics?.Record(started, operation, null);
                return result;
            }
        }
        catch (Exception ex) when (RelationalStoreMetrics.RecordFailure(_metrics, started, operation, ex) && IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    private bool IsUnavailable(Exception exception) =>
        exception is not InvoiceOcrException && _dialect.Classify(exception) is RelationalErrorKind.Unavailable or RelationalErrorKind.Deadlock;

    private InvoiceOcrException Unavailable(Exception exception) =>
        new(InvoiceOcrErrorKind.StoreUnavailable, string.Create(CultureInfo.InvariantCulture, $"The {_storeName} job store '{_connections.DisplayName}' is unavailable: {SecretScrubber.Scrub(exception.Message)}"), exception);

    private static async Task<IReadOnlyList<T>> ReadAllAsync<T>(DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(read(reader));
            }
        }

        return list;
    }
}
