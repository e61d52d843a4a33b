using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using InvoiceOcr.Sdk.Documents;
using InvoiceOcr.Sdk.Extraction;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.Sdk.Invoices;
using InvoiceOcr.Sdk.Pipeline;
using InvoiceOcr.Sdk.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Jobs.Batch;

/// <summary>
/// The batch-mode route of <see cref="InvoiceJobWorker"/>: leases a batch-mode job's waiting items, builds each one's request
/// exactly as the interactive call would (<see cref="InvoiceExtractor.CreateRequest"/>), claims its durable operation, leases a
/// key with a reservation and journals the attempt like an interactive call, and groups the items of one job and key into one
/// Gemini batch. The batch is recorded (<see cref="InvoiceJobBatchState.Submitting"/>, its id as display name) before it is sent,
/// so a crash never submits it twice (the next poll finds it by display name) nor loses it. Polling maps each result back to its
/// item by key: an answer is recorded once in the ledger at <see cref="ServiceTier.Batch"/> and its reservation settled; a
/// per-request error takes the item's retry path. A batch that fails, is cancelled or expires is mapped the same way as far as it
/// got: every answer it returned was billed and completes its item (never sent again); an item whose request never ran goes back
/// to <see cref="InvoiceJobItemState.Pending"/>, or, when the job allows <see cref="InvoiceJob.FallbackToInteractive"/>, leaves the
/// batch route for an interactive call; an item whose request may have been billed without an answer (more requests ran than
/// results came back) ends like the pipeline's unknown-outcome attempts (charged at its estimate) and fails, never sent again by
/// itself. A batch that is lost puts its items back (or falls them back) the same way.
/// </summary>
internal sealed partial class InvoiceJobBatchRoute(
    IInvoiceJobStore store,
    DocumentInspector inspector,
    EInvoiceReader eInvoiceReader,
    IServiceProvider services,
    ITokenProvider tokenProvider,
    IOperationStore operations,
    IUsageLogger usageLogger,
    IApiKeyStore keys,
    PriceTable prices,
    IOptionsMonitor<InvoiceOcrOptions> sdkOptions,
    IOptions<KeyPoolOptions> keyPoolOptions,
    IOptions<InvoiceJobOptions> options,
    TimeProvider time,
    ILogger<InvoiceJobBatchRoute> logger)
{
    private readonly InvoiceJobOptions _options = options.Value;

    /// <summary>One round: polls the open batches that are due, then submits new batches from waiting batch-mode items.</summary>
    /// <returns>How many items were leased or moved on by a batch that ended (0 when there was nothing to do).</returns>
    public async Task<int> RunOnceAsync(InvoiceJobWorker worker, CancellationToken cancellationToken)
    {
        var moved = await PollAsync(worker, cancellationToken).ConfigureAwait(false);
        return moved + await SubmitAsync(worker, cancellationToken).ConfigureAwait(false);
    }

    private GeminiClient Gemini => services.GetRequiredService<GeminiClient>();

    // ---- Submission ----

    private async Task<int> SubmitAsync(InvoiceJobWorker worker, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var leased = await store.LeaseItemsAsync(
            new InvoiceJobLeaseRequest
            {
                WorkerId = worker.WorkerId,
                MaxItems = _options.BatchSize,
                Now = now,
                LeaseUntil = now + _options.VisibilityTimeout,
                BatchMode = true,
            },
            cancellationToken).ConfigureAwait(false);
        if (leased.Count == 0)
        {
            return 0;
        }

        var prepared = new List<Prepared>();
        foreach (var item in leased)
        {
            if (await PrepareAsync(worker, item, cancellationToken).ConfigureAwait(false) is { } ready)
            {
                prepared.Add(ready);
            }
        }

        foreach (var group in prepared.GroupBy(static p => (p.Item.JobId, p.Lease.KeyId)))
        {
            await SubmitBatchAsync(worker, [.. group], cancellationToken).ConfigureAwait(false);
        }

        return leased.Count;
    }

    /// <summary>Claims the item's operation, leases a key and journals the attempt; returns <see langword="null"/> when the item was moved on here.</summary>
    private async Task<Prepared?> PrepareAsync(InvoiceJobWorker worker, InvoiceJobItem item, CancellationToken cancellationToken)
    {
        var attempt = InvoiceJobStoreValidation.AttemptId(item);
        InspectedDocument inspected;
        InvoiceJob job;
        var settings = sdkOptions.CurrentValue;
        try
        {
            job = await worker.GetJobAsync(item.JobId, cancellationToken).ConfigureAwait(false);
            var document = await worker.LoadAsync(item, cancellationToken).ConfigureAwait(false);
            var readEmbedded = settings.EInvoiceMode != EInvoiceMode.ModelOnly;
            inspected = await inspector.InspectAsync(document, readEmbedded, cancellationToken).ConfigureAwait(false);
            if (inspected.Kind == DocumentKind.Pdf && readEmbedded &&
                (settings.EInvoiceMode == EInvoiceMode.EmbeddedOnly || eInvoiceReader.ReadEmbeddedFiles(inspected.EmbeddedFiles) is not null))
            {
                // No model call is needed (an embedded e-invoice) or allowed: the interactive route reads or refuses it as it would.
                await worker.ProcessAsync(item, cancellationToken).ConfigureAwait(false);
                return null;
            }
        }
        catch (InvoiceOcrException ex)
        {
            await worker.ApplyAsync(item, worker.Decide(item, ex, attempt)).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or UnauthorizedAccessException)
        {
            var error = new InvoiceOcrException(InvoiceOcrErrorKind.NetworkFailure, "The document could not be read: " + ex.Message, ex) { IsTransient = true };
            await worker.ApplyAsync(item, worker.Decide(item, error, attempt)).ConfigureAwait(false);
            return null;
        }

        var model = settings.Gemini.Model;
        var maxOutputTokens = settings.Gemini.MaxOutputTokens;
        var promptTokens = InvoiceExtractor.EstimatePromptTokens(inspected);
        var now = time.GetUtcNow();

        // The same durable operation as the interactive route: a document is never billed twice, whichever route ran it.
        var claim = await operations.ClaimOperationAsync(
            new OperationClaim(item.OperationId, item.CompanyId, inspected.Sha256, _options.BatchMaxWait + TimeSpan.FromMinutes(5)), cancellationToken).ConfigureAwait(false);
        switch (claim.Status)
        {
            case OperationClaimStatus.Completed when claim.Operation.OutcomeJson is { } json:
                var stored = StoredOutcome.Deserialize(json);
                await worker.ApplyAsync(item, worker.Change(item, InvoiceJobItemState.Completed, "completed (stored outcome, not billed again)", attempt) with
                {
                    InvoiceJson = stored.Invoice,
                    TotalTokens = stored.TotalTokens,
                    KeyId = stored.KeyId,
                }).ConfigureAwait(false);
                return null;

            case OperationClaimStatus.Completed:
            case OperationClaimStatus.InProgress:
                var busy = new InvoiceOcrException(InvoiceOcrErrorKind.OperationInProgress, "The item's operation is claimed by an earlier attempt.") { RetryAfter = TimeSpan.FromSeconds(5) };
                await worker.ApplyAsync(item, worker.Decide(item, busy, attempt)).ConfigureAwait(false);
                return null;
        }

        KeyLease lease;
        try
        {
            lease = await tokenProvider.AcquireAsync(
                new KeyLeaseRequest(item.CompanyId, model, promptTokens + maxOutputTokens)
                {
                    MinimumTokens = promptTokens + Math.Min(keyPoolOptions.Value.MinimumOutputTokens, maxOutputTokens),
                    InputTokens = promptTokens,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex)
        {
            await operations.CompleteOperationAsync(new OperationCompletion(item.OperationId, false, null, ex.Kind), CancellationToken.None).ConfigureAwait(false);
            await worker.ApplyAsync(item, worker.Decide(item, ex, attempt)).ConfigureAwait(false);
            return null;
        }

        var entry = new BatchEntry
        {
            ItemId = item.ItemId,
            OperationId = item.OperationId,
            AttemptId = Guid.CreateVersion7(now).ToString("N"),
            AttemptNumber = claim.Operation.AttemptCount + 1,
            ReservationId = lease.ReservationId,
            ReservedTokens = lease.ReservedTokens,
            ProjectId = lease.ProjectId,
            PromptTokens = promptTokens,
            MaxOutputTokens = lease.ReservedTokens > 0 && lease.ReservedTokens < promptTokens + maxOutputTokens
                ? (int)Math.Max(1, lease.ReservedTokens - promptTokens)
                : maxOutputTokens,
            FileName = inspected.FileName,
            DocumentSha256 = inspected.Sha256,
        };
        try
        {
            await operations.BeginAttemptAsync(
                new AttemptJournalEntry
                {
                    AttemptId = entry.AttemptId,
                    OperationId = entry.OperationId,
                    CompanyId = item.CompanyId,
                    KeyId = lease.KeyId,
                    ProjectId = lease.ProjectId,
                    ReservationId = lease.ReservationId,
                    EstimatedTokens = lease.ReservationId is null ? promptTokens + maxOutputTokens : lease.ReservedTokens,

                    // What the attempt holds in the minute windows, as the interactive pipeline journals it: its reservation's
                    // input estimate, or (none) the prompt's. An attempt charged at its estimate counts this in its minute
                    // slot (not its total), and a late billed record corrects the slot by the difference.
                    EstimatedInputTokens = lease.ReservedInputTokens > 0 ? lease.ReservedInputTokens : promptTokens,
                    AttemptNumber = entry.AttemptNumber,
                    StartedAt = now,

                    // A batch answers within its deadline: until then its attempts are not in flight for the resolver.
                    ExpiresAt = now + _options.BatchMaxWait,
                },
                cancellationToken).ConfigureAwait(false);
            var request = InvoiceExtractor.CreateRequest(inspected, model)
                .ForAttempt(entry.MaxOutputTokens < maxOutputTokens ? entry.MaxOutputTokens : null, entry.AttemptId);
            var body = await Gemini.BuildBatchRequestAsync(request, lease.Secret, cancellationToken).ConfigureAwait(false);
            return new Prepared(item, job, lease, entry, body);
        }
        catch (InvoiceOcrException ex)
        {
            await EndUnbilledAsync(lease, entry, ex.Kind).ConfigureAwait(false);
            await worker.ApplyAsync(item, worker.Decide(item, ex, attempt)).ConfigureAwait(false);
            return null;
        }
    }

    private async Task SubmitBatchAsync(InvoiceJobWorker worker, IReadOnlyList<Prepared> group, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var first = group[0];
        var batchId = "invoiceocr-" + Guid.CreateVersion7(now).ToString("N");
        IReadOnlyList<BatchEntry> entries = [.. group.Select(static p => p.Entry)];
        var batch = new InvoiceJobBatch
        {
            BatchId = batchId,
            JobId = first.Item.JobId,
            CompanyId = first.Item.CompanyId,
            KeyId = first.Lease.KeyId,
            Model = first.Lease.Model,
            State = InvoiceJobBatchState.Submitting,
            ItemCount = entries.Count,
            EntriesJson = BatchEntry.Serialize(entries),
            Owner = worker.WorkerId,
            OwnerUntil = now + _options.VisibilityTimeout,
            NextPollAt = now,
            Version = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };

        // Durable before anything is sent: the row, and every item's move into the batch with its lease held to the deadline.
        var changes = group.Select(p => worker.Change(p.Item, InvoiceJobItemState.Processing, $"batch {batchId}: submitting", InvoiceJobStoreValidation.AttemptId(p.Item)) with
        {
            LeaseUntil = now + _options.BatchMaxWait,
        }).ToList();
        try
        {
            await store.CreateBatchAsync(batch, changes, CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex)
        {
            // Nothing was recorded or sent: the attempts end unbilled, and the items' leases lapse to another worker.
            LogBatchNotRecorded(logger, batchId, ex.Kind);
            foreach (var p in group)
            {
                await EndUnbilledAsync(p.Lease, p.Entry, ex.Kind).ConfigureAwait(false);
            }

            return;
        }

        GeminiBatch created;
        try
        {
            created = await Gemini.CreateBatchAsync(batch.Model, batchId, [.. group.Select(static p => new GeminiBatchRequest(p.Item.ItemId, p.Body))], _options.BatchInlineLimitBytes, first.Lease.Secret, cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.HttpStatus is { } status && (int)status is >= 400 and < 500 && status != HttpStatusCode.RequestTimeout)
        {
            // Gemini refused the batch (nothing was created): a full batch quota parks the items, anything else takes their retry path.
            LogBatchRefused(logger, batchId, ex.Kind, (int)status);
            await AbandonAsync(worker, batch, ex.Kind, ex.Message, async (p, entry, item) =>
            {
                if (status == HttpStatusCode.TooManyRequests)
                {
                    var resumeAt = time.GetUtcNow() + (ex.RetryAfter ?? _options.BatchPollInterval);
                    return worker.Change(item, InvoiceJobItemState.QuotaExceeded, $"batch {batchId}: batch quota (enqueued tokens) full; parked", null) with
                    {
                        NotBefore = resumeAt,
                        ErrorKind = ex.Kind,
                        ErrorMessage = ex.Message,
                    };
                }

                return worker.Decide(item, ex, null) is var change ? change with { Reason = $"batch {batchId} refused: {change.Reason}" } : null;
            }).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is InvoiceOcrException or OperationCanceledException)
        {
            // The answer is lost, so the batch may exist: it stays Submitting and the next poll looks for it by display name.
            LogSubmissionUnknown(logger, batchId);
            await store.UpdateBatchAsync(batch with { OwnerUntil = now, Detail = "submission answer lost", UpdatedAt = time.GetUtcNow() }, batch.Version, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        await store.UpdateBatchAsync(
            batch with
            {
                State = InvoiceJobBatchState.Submitted,
                GeminiName = created.Name,
                Detail = created.State,
                Owner = null,
                OwnerUntil = now,
                NextPollAt = time.GetUtcNow() + _options.BatchPollInterval,
                UpdatedAt = time.GetUtcNow(),
            },
            batch.Version,
            CancellationToken.None).ConfigureAwait(false);
        LogSubmitted(logger, batchId, created.Name, entries.Count, batch.KeyId);
    }

    // ---- Polling ----

    private async Task<int> PollAsync(InvoiceJobWorker worker, CancellationToken cancellationToken)
    {
        var moved = 0;
        var now = time.GetUtcNow();
        foreach (var open in await store.ListBatchesAsync(null, cancellationToken).ConfigureAwait(false))
        {
            if (open.NextPollAt > now || (open.Owner is { } owner && !string.Equals(owner, worker.WorkerId, StringComparison.Ordinal) && open.OwnerUntil > now))
            {
                continue;
            }

            // One poller per batch at a time: the claim is a versioned update, so two workers never map one batch together.
            var batch = await store.UpdateBatchAsync(open with { Owner = worker.WorkerId, OwnerUntil = now + _options.VisibilityTimeout, UpdatedAt = now }, open.Version, cancellationToken).ConfigureAwait(false);
            if (batch is null)
            {
                continue;
            }

            try
            {
                moved += await PollOneAsync(worker, batch, cancellationToken).ConfigureAwait(false);
            }
            catch (InvoiceOcrException ex)
            {
                // Gemini or the store is away now: the batch is polled again next interval; nothing was settled twice (ids are the attempts').
                LogPollFailed(logger, batch.BatchId, ex.Kind);
                var current = await store.GetBatchAsync(batch.BatchId, CancellationToken.None).ConfigureAwait(false);
                if (current is { IsOpen: true })
                {
                    await store.UpdateBatchAsync(current with { Owner = null, OwnerUntil = now, NextPollAt = time.GetUtcNow() + _options.BatchPollInterval }, current.Version, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }

        return moved;
    }

    private async Task<int> PollOneAsync(InvoiceJobWorker worker, InvoiceJobBatch batch, CancellationToken cancellationToken)
    {
        var key = await keys.GetAsync(batch.KeyId, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            return await AbandonToPendingAsync(worker, batch, "its key was deleted").ConfigureAwait(false);
        }

        GeminiBatch? remote;
        if (batch.State == InvoiceJobBatchState.Submitting)
        {
            // Its submitter died or lost the answer: look the batch up by its display name before anything is sent again.
            remote = await Gemini.FindBatchAsync(batch.BatchId, key.Secret, cancellationToken).ConfigureAwait(false);
            if (remote is null)
            {
                return await AbandonToPendingAsync(worker, batch, "never reached Gemini").ConfigureAwait(false);
            }

            LogRecovered(logger, batch.BatchId, remote.Name);
            batch = await store.UpdateBatchAsync(batch with { State = InvoiceJobBatchState.Submitted, GeminiName = remote.Name, Detail = remote.State, UpdatedAt = time.GetUtcNow() }, batch.Version, CancellationToken.None).ConfigureAwait(false)
                ?? throw new InvoiceOcrException(InvoiceOcrErrorKind.JobVersionConflict, $"The batch {remote.Name} was changed by another worker.");
        }
        else
        {
            remote = await Gemini.GetBatchAsync(batch.GeminiName!, key.Secret, cancellationToken).ConfigureAwait(false);
            if (remote is null)
            {
                return await AbandonToPendingAsync(worker, batch, "is no longer known to Gemini").ConfigureAwait(false);
            }
        }

        var now = time.GetUtcNow();
        if (remote.IsRunning)
        {
            await store.UpdateBatchAsync(batch with { Detail = remote.State, Owner = null, OwnerUntil = now, NextPollAt = now + _options.BatchPollInterval, UpdatedAt = now }, batch.Version, CancellationToken.None).ConfigureAwait(false);
            return 0;
        }

        // Succeeded, or ended otherwise (failed, cancelled, expired): either way every answer the batch returned is used, since
        // each one was billed, and every item is mapped by what is known of its request.
        var results = new Dictionary<string, GeminiBatchResult>(StringComparer.Ordinal);
        foreach (var result in await Gemini.ReadResultsAsync(remote, key.Secret, cancellationToken).ConfigureAwait(false))
        {
            results.TryAdd(result.Key, result);
        }

        var job = await worker.GetJobAsync(batch.JobId, cancellationToken).ConfigureAwait(false);
        var entries = BatchEntry.Deserialize(batch.EntriesJson);
        var ended = !remote.Succeeded;
        var label = ended ? $"{remote.Name} (ended {remote.State})" : remote.Name;
        var fallBack = ended && job.FallbackToInteractive;

        // A request of an ended batch without a result either never ran (not billed) or ran and its result was not returned
        // (Google documents no results for an expired batch). Gemini's counts tell the two apart for the batch as a whole: when
        // more requests ran than results came back, any item without a result may have been billed.
        var held = entries.Count(e => results.TryGetValue(e.ItemId, out var r) && (r.Response is not null || r.Error is not null));
        var unknown = ended && remote.RequestsRun > held;
        if (ended)
        {
            LogEnded(logger, batch.BatchId, remote.Name, remote.State, held, remote.RequestsRun, entries.Count);
        }

        foreach (var entry in entries)
        {
            var lease = Lease(batch, entry, key.Secret);
            var item = await store.GetItemAsync(entry.ItemId, CancellationToken.None).ConfigureAwait(false);
            InvoiceJobItemChange? change;
            if (!results.TryGetValue(entry.ItemId, out var result) || (result.Response is null && result.Error is null))
            {
                if (unknown)
                {
                    change = await EndOutcomeUnknownAsync(worker, job, batch, remote, held, entry, lease, item).ConfigureAwait(false);
                }
                else
                {
                    await EndUnbilledAsync(lease, entry, InvoiceOcrErrorKind.ServerError).ConfigureAwait(false);
                    change = item is null ? null : worker.Change(item, InvoiceJobItemState.Pending, ended
                        ? $"batch {label}: its request never ran (not billed); back to pending"
                        : $"batch {label}: no result for the item; back to pending", entry.AttemptId);
                }
            }
            else if (result.Response is { } response)
            {
                change = await SettleAnswerAsync(worker, job, batch, label, entry, lease, response, item).ConfigureAwait(false);
            }
            else
            {
                var error = GeminiErrorParser.Parse(
                    (HttpStatusCode)(result.Error!["code"] is JsonValue code && code.TryGetValue<int>(out var c) ? c : 500),
                    new JsonObject { ["error"] = result.Error.DeepClone() }.ToJsonString(),
                    null,
                    now);
                await EndUnbilledAsync(lease, entry, error.Kind).ConfigureAwait(false);
                change = item is null ? null : worker.Decide(item, error, entry.AttemptId) is var decided ? decided with { Reason = $"batch {label}: {decided.Reason}" } : null;
            }

            if (change is not null && item is { State: InvoiceJobItemState.Processing })
            {
                await worker.ApplyAsync(item, fallBack ? FallBack(change) : change).ConfigureAwait(false);
            }
        }

        await store.UpdateBatchAsync(batch with { State = ended ? InvoiceJobBatchState.Abandoned : InvoiceJobBatchState.Completed, Detail = remote.State, Owner = null, OwnerUntil = now, UpdatedAt = time.GetUtcNow() }, batch.Version, CancellationToken.None).ConfigureAwait(false);
        LogCompleted(logger, batch.BatchId, remote.Name, entries.Count);
        return entries.Count;
    }

    /// <summary>
    /// Ends the attempt of an item whose request may have been billed with no answer returned, as the interactive pipeline ends an
    /// attempt whose answer never arrived: outcome unknown, charged at its estimate, listed with the unknown-outcome attempts for
    /// reconciliation. The item is never sent again by itself (that could bill it twice): it fails, and a retry by hand sends it again.
    /// </summary>
    private async Task<InvoiceJobItemChange?> EndOutcomeUnknownAsync(
        InvoiceJobWorker worker, InvoiceJob job, InvoiceJobBatch batch, GeminiBatch remote, int held, BatchEntry entry, KeyLease lease, InvoiceJobItem? item)
    {
        // Bookkeeping is not cancellable; ending twice changes nothing the second time.
        var settlement = await operations.EndAttemptAsync(new AttemptEnding(entry.AttemptId, AttemptResult.OutcomeUnknown), CancellationToken.None).ConfigureAwait(false);
        var estimate = lease.ReservedTokens > 0 ? lease.ReservedTokens : entry.PromptTokens + entry.MaxOutputTokens;
        var recorded = settlement is null ? new RecordedUsage(UsageRecording.Recorded) : new RecordedUsage(UsageRecording.Settled, settlement);
        await tokenProvider.SettleAsync(lease, new TokenUsage { TotalTokens = (int)Math.Min(int.MaxValue, estimate) }, recorded, CancellationToken.None).ConfigureAwait(false);
        await operations.CompleteOperationAsync(new OperationCompletion(entry.OperationId, false, null, InvoiceOcrErrorKind.Timeout), CancellationToken.None).ConfigureAwait(false);
        LogOutcomeUnknown(logger, batch.BatchId, remote.Name, entry.ItemId, batch.KeyId);
        if (item is null)
        {
            return null;
        }

        var message = string.Create(
            CultureInfo.InvariantCulture,
            $"The Gemini batch {remote.Name} ended {remote.State} after running {remote.RequestsRun} request(s) and returned {held} result(s): this item's request may have been billed, with no answer (outcome unknown, charged at its estimate). It is not sent again by itself; retry it to send it again.");
        return worker.Change(item, InvoiceJobItemState.Failed, $"batch {remote.Name} ended {remote.State}: outcome unknown (may have been billed, no answer); charged at its estimate, not sent again", entry.AttemptId) with
        {
            CountFailure = true,
            ErrorKind = InvoiceOcrErrorKind.Timeout,
            ErrorMessage = message,
            FallBackToInteractive = job.FallbackToInteractive,
        };
    }

    /// <summary>
    /// The move of an item of a failed or expired batch whose job allows the fallback: an item going back to wait (pending, or
    /// retrying after a per-request error) leaves the batch route and runs as an interactive call; a completed item was answered
    /// by the batch and is not touched; a failed one keeps the flag, so a retry by hand runs it interactively.
    /// </summary>
    private static InvoiceJobItemChange FallBack(InvoiceJobItemChange change) => change.To switch
    {
        InvoiceJobItemState.Pending => change with
        {
            FallBackToInteractive = true,
            Reason = (change.Reason ?? string.Empty).Replace("; back to pending", "; falls back to an interactive call", StringComparison.Ordinal),
        },
        InvoiceJobItemState.Retrying or InvoiceJobItemState.QuotaExceeded => change with { FallBackToInteractive = true, Reason = change.Reason + "; then as an interactive call" },
        InvoiceJobItemState.Failed => change with { FallBackToInteractive = true },
        _ => change,
    };

    /// <summary>Records a billed answer once (ledger row at the batch tier, reservation settled), stores the operation's outcome and returns the item's move.</summary>
    private async Task<InvoiceJobItemChange?> SettleAnswerAsync(
        InvoiceJobWorker worker, InvoiceJob job, InvoiceJobBatch batch, string geminiName, BatchEntry entry, KeyLease lease, JsonObject response, InvoiceJobItem? item)
    {
        var answer = GeminiResponseReader.Read(Encoding.UTF8.GetBytes(response.ToJsonString()), batch.Model);
        var caller = new ExtractionContext(batch.CompanyId) { RequestedBy = job.RequestedBy, Branch = job.Branch };
        var context = new ModelCallContext(caller, entry.OperationId, Placeholder(batch.Model), entry.PromptTokens, entry.MaxOutputTokens)
        {
            DocumentSha256 = entry.DocumentSha256,
            FileName = entry.FileName,
        };
        context.Answer = answer;
        context.RequestsSent = 1;
        InvoiceOcrException? unusable = null;
        try
        {
            // The interactive route's own reader: the same validation, so a schema failure keeps its partial answer here too.
            ModelAnswerReader.Invoice.Read(context, answer, batch.KeyId);
        }
        catch (InvoiceOcrException ex)
        {
            unusable = ex;
            if (ex.Kind is InvoiceOcrErrorKind.OutputTruncated or InvoiceOcrErrorKind.SchemaMismatch && answer.Text is { Length: > 0 } text)
            {
                ex.PartialAnswerText = text;
            }
        }

        context.Usage = answer.Usage;
        context.KeyId = batch.KeyId;
        var billed = answer.Usage;
        var cost = prices.Cost(batch.Model, billed, ServiceTier.Batch);
        var record = new UsageRecord
        {
            Id = entry.AttemptId,
            OperationId = entry.OperationId,
            Attempt = entry.AttemptNumber,
            CompanyId = batch.CompanyId,
            KeyId = batch.KeyId,
            Model = batch.Model,
            InputTokens = billed.InputTokens,
            OutputTokens = billed.OutputTokens,
            TextTokens = billed.TextTokens,
            ImageTokens = billed.ImageTokens,
            DocumentTokens = billed.DocumentTokens,
            CachedTokens = billed.CachedTokens,
            ThoughtsTokens = billed.ThoughtsTokens,
            ToolUseTokens = billed.ToolUseTokens,
            TotalTokens = billed.TotalTokens,
            RawUsageJson = billed.RawUsageJson,
            Branch = job.Branch,
            UserId = job.RequestedBy,
            ProjectId = entry.ProjectId,
            ResponseId = answer.ResponseId,
            FileName = entry.FileName,
            StartedAt = batch.CreatedAt,
            CompletedAt = time.GetUtcNow(),
            Outcome = unusable is null ? UsageOutcome.Success : UsageOutcome.Failure,
            FailureKind = unusable?.Kind,
            ServiceTier = ServiceTier.Batch,
            Cost = cost?.Amount,
            Currency = cost?.Currency,
        };

        // The record's id is the attempt's: a second poller (or a replay after a crash) records and settles nothing again.
        var recorded = await usageLogger.LogUsageAsync(record, CancellationToken.None).ConfigureAwait(false);
        await tokenProvider.SettleAsync(lease, billed, recorded, CancellationToken.None).ConfigureAwait(false);
        if (unusable is null)
        {
            await operations.CompleteOperationAsync(new OperationCompletion(entry.OperationId, true, StoredOutcome.Serialize(context, answer.ModelVersion, answer.ResponseId), null), CancellationToken.None).ConfigureAwait(false);
            return item is null ? null : worker.Change(item, InvoiceJobItemState.Completed, $"batch {geminiName}: completed", entry.AttemptId) with
            {
                InvoiceJson = InvoiceJson.Serialize(context.Invoice!),
                TotalTokens = billed.TotalTokens,
                KeyId = batch.KeyId,
            };
        }

        await operations.CompleteOperationAsync(new OperationCompletion(entry.OperationId, false, null, unusable.Kind), CancellationToken.None).ConfigureAwait(false);
        var decided = item is null ? null : worker.Decide(item, unusable, entry.AttemptId);
        return decided is null ? null : decided with { Reason = $"batch {geminiName}: {decided.Reason}" };
    }

    // ---- Putting items back ----

    private async Task<int> AbandonToPendingAsync(InvoiceJobWorker worker, InvoiceJobBatch batch, string why)
    {
        var name = batch.GeminiName ?? batch.BatchId;
        LogAbandoned(logger, batch.BatchId, name, why);
        var job = await worker.GetJobAsync(batch.JobId, CancellationToken.None).ConfigureAwait(false);
        return await AbandonAsync(worker, batch, InvoiceOcrErrorKind.ServerError, $"The Gemini batch {name} {why}.", (p, entry, item) =>
        {
            var change = worker.Change(item, InvoiceJobItemState.Pending, $"batch {name} {why}: back to pending", entry.AttemptId);
            return Task.FromResult<InvoiceJobItemChange?>(job.FallbackToInteractive ? FallBack(change) : change);
        }).ConfigureAwait(false);
    }

    /// <summary>Ends every attempt of a batch unbilled (reservation released, operation claim freed), moves its items and closes the batch.</summary>
    private async Task<int> AbandonAsync(
        InvoiceJobWorker worker, InvoiceJobBatch batch, InvoiceOcrErrorKind kind, string detail, Func<Prepared?, BatchEntry, InvoiceJobItem, Task<InvoiceJobItemChange?>> move)
    {
        var key = await keys.GetAsync(batch.KeyId, CancellationToken.None).ConfigureAwait(false);
        var entries = BatchEntry.Deserialize(batch.EntriesJson);
        foreach (var entry in entries)
        {
            await EndUnbilledAsync(Lease(batch, entry, key?.Secret ?? "unknown"), entry, kind).ConfigureAwait(false);
            var item = await store.GetItemAsync(entry.ItemId, CancellationToken.None).ConfigureAwait(false);
            if (item is { State: InvoiceJobItemState.Processing } && await move(null, entry, item).ConfigureAwait(false) is { } change)
            {
                await worker.ApplyAsync(item, change).ConfigureAwait(false);
            }
        }

        var current = await store.GetBatchAsync(batch.BatchId, CancellationToken.None).ConfigureAwait(false) ?? batch;
        var now = time.GetUtcNow();
        await store.UpdateBatchAsync(current with { State = InvoiceJobBatchState.Abandoned, Detail = detail, Owner = null, OwnerUntil = now, UpdatedAt = now }, current.Version, CancellationToken.None).ConfigureAwait(false);
        return entries.Count;
    }

    private async Task EndUnbilledAsync(KeyLease lease, BatchEntry entry, InvoiceOcrErrorKind kind)
    {
        // Bookkeeping is not cancellable; ending twice changes nothing the second time.
        await operations.EndAttemptAsync(new AttemptEnding(entry.AttemptId, AttemptResult.NotBilled), CancellationToken.None).ConfigureAwait(false);
        await tokenProvider.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
        await operations.CompleteOperationAsync(new OperationCompletion(entry.OperationId, false, null, kind), CancellationToken.None).ConfigureAwait(false);
    }

    private static KeyLease Lease(InvoiceJobBatch batch, BatchEntry entry, string secret) => new()
    {
        KeyId = batch.KeyId,
        CompanyId = batch.CompanyId,
        ProjectId = entry.ProjectId,
        Model = batch.Model,
        Secret = secret,
        ReservationId = entry.ReservationId,
        ReservedTokens = entry.ReservedTokens,
    };

    /// <summary>A stand-in request for the context an answer is read into (the reader and the stored outcome need only its model).</summary>
    private static GeminiGenerateRequest Placeholder(string model) =>
        new([new ModelContent(ModelRole.User, [ModelPart.FromText("batch")])], null, null) { Model = model };

    private sealed record Prepared(InvoiceJobItem Item, InvoiceJob Job, KeyLease Lease, BatchEntry Entry, JsonObject Body);

    [LoggerMessage(2621, LogLevel.Information, "Batch {BatchId} submitted as {GeminiName}: {Count} item(s) with key {KeyId}.")]
    private static partial void LogSubmitted(ILogger logger, string batchId, string geminiName, int count, string keyId);

    [LoggerMessage(2622, LogLevel.Information, "Batch {BatchId} ({GeminiName}) ended: {Count} item(s) mapped back.")]
    private static partial void LogCompleted(ILogger logger, string batchId, string geminiName, int count);

    [LoggerMessage(2623, LogLevel.Warning, "Batch {BatchId} ({GeminiName}) {Why}: its items go back to pending.")]
    private static partial void LogAbandoned(ILogger logger, string batchId, string geminiName, string why);

    [LoggerMessage(2624, LogLevel.Warning, "Batch {BatchId} was refused by Gemini ({Kind}, HTTP {Status}).")]
    private static partial void LogBatchRefused(ILogger logger, string batchId, InvoiceOcrErrorKind kind, int status);

    [LoggerMessage(2625, LogLevel.Warning, "Batch {BatchId}: the answer to its submission was lost; the next poll looks for it by display name.")]
    private static partial void LogSubmissionUnknown(ILogger logger, string batchId);

    [LoggerMessage(2626, LogLevel.Information, "Batch {BatchId} was found at Gemini as {GeminiName} after its submitter stopped; not submitted again.")]
    private static partial void LogRecovered(ILogger logger, string batchId, string geminiName);

    [LoggerMessage(2627, LogLevel.Warning, "Polling batch {BatchId} failed ({Kind}); trying again at the next interval.")]
    private static partial void LogPollFailed(ILogger logger, string batchId, InvoiceOcrErrorKind kind);

    [LoggerMessage(2628, LogLevel.Warning, "Batch {BatchId} could not be recorded ({Kind}); nothing was sent.")]
    private static partial void LogBatchNotRecorded(ILogger logger, string batchId, InvoiceOcrErrorKind kind);

    [LoggerMessage(2629, LogLevel.Warning, "Batch {BatchId} ({GeminiName}) ended {State}: {Held} result(s) returned, {Run} request(s) ran, {Count} item(s) to map back.")]
    private static partial void LogEnded(ILogger logger, string batchId, string geminiName, string state, int held, long run, int count);

    [LoggerMessage(2630, LogLevel.Warning, "Batch {BatchId} ({GeminiName}): the request of item {ItemId} with key {KeyId} may have been billed with no answer returned; its outcome is unknown, it is charged at its estimate and not sent again.")]
    private static partial void LogOutcomeUnknown(ILogger logger, string batchId, string geminiName, string itemId, string keyId);
}
