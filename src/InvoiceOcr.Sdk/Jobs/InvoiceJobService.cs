using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Jobs;

/// <summary>The built-in <see cref="IInvoiceJobs"/>: hashes and stores documents, and applies manual controls through the store.</summary>
internal sealed class InvoiceJobService(IInvoiceJobStore store, IOptions<InvoiceJobOptions> options, TimeProvider timeProvider) : IInvoiceJobs
{
    private readonly InvoiceJobOptions _options = options.Value;

    public Task<InvoiceJob> CreateJobAsync(InvoiceJobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.CompanyId);
        var now = timeProvider.GetUtcNow();
        return store.CreateJobAsync(
            new InvoiceJob
            {
                JobId = "job-" + Guid.CreateVersion7(now).ToString("N"),
                CompanyId = request.CompanyId,
                JobKey = string.IsNullOrWhiteSpace(request.JobKey) ? null : request.JobKey,
                RequestedBy = request.RequestedBy,
                Branch = request.Branch,
                UseBatchMode = request.UseBatchMode,

                // Only a batch-mode job has a batch to fall back from.
                FallbackToInteractive = request.UseBatchMode && request.FallbackToInteractive,
                CreatedAt = now,
                UpdatedAt = now,
            },
            cancellationToken);
    }

    public async Task<InvoiceJobAddResult> AddDocumentsAsync(string jobId, IEnumerable<InvoiceJobDocument> documents, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        ArgumentNullException.ThrowIfNull(documents);
        var job = await store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvoiceOcrException(InvoiceOcrErrorKind.BadRequest, $"There is no job {jobId}.");
        var items = new List<NewInvoiceJobItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var skipped = 0;
        foreach (var document in documents)
        {
            ArgumentNullException.ThrowIfNull(document);
            var item = await PrepareAsync(job, document, cancellationToken).ConfigureAwait(false);
            if (seen.Add(item.DocumentSha256))
            {
                items.Add(item);
            }
            else
            {
                skipped++;
            }
        }

        var added = await store.AddItemsAsync(jobId, items, timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return new InvoiceJobAddResult(added, skipped + items.Count - added);
    }

    public async Task<InvoiceJobStatus?> GetStatusAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        var job = await store.GetJobAsync(jobId, cancellationToken).ConfigureAwait(false);
        return job is null ? null : new InvoiceJobStatus(job, await store.GetProgressAsync(jobId, cancellationToken).ConfigureAwait(false));
    }

    public async Task<IReadOnlyList<InvoiceJobStatus>> ListJobsAsync(string companyId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(companyId);
        var list = new List<InvoiceJobStatus>();
        foreach (var job in await store.ListJobsAsync(companyId, cancellationToken).ConfigureAwait(false))
        {
            list.Add(new InvoiceJobStatus(job, await store.GetProgressAsync(job.JobId, cancellationToken).ConfigureAwait(false)));
        }

        return list;
    }

    public Task<InvoiceJobItemPage> ListItemsAsync(InvoiceJobItemQuery query, CancellationToken cancellationToken = default) =>
        store.ListItemsAsync(query, cancellationToken);

    public async Task<InvoiceJobItemDetails?> GetItemAsync(string itemId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(itemId);
        var item = await store.GetItemAsync(itemId, cancellationToken).ConfigureAwait(false);
        return item is null ? null : new InvoiceJobItemDetails(item, await store.ListTransitionsAsync(itemId, cancellationToken).ConfigureAwait(false));
    }

    public Task<IReadOnlyList<InvoiceJobItemTransition>> ListTransitionsAsync(string itemId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(itemId);
        return store.ListTransitionsAsync(itemId, cancellationToken);
    }

    public Task<InvoiceJobStatus> SuspendAsync(string jobId, CancellationToken cancellationToken = default) =>
        ControlAsync(jobId, InvoiceJobControl.Suspended, cancellationToken);

    public Task<InvoiceJobStatus> ResumeAsync(string jobId, CancellationToken cancellationToken = default) =>
        ControlAsync(jobId, InvoiceJobControl.Active, cancellationToken);

    public Task<InvoiceJobStatus> CancelAsync(string jobId, CancellationToken cancellationToken = default) =>
        ControlAsync(jobId, InvoiceJobControl.Cancelled, cancellationToken);

    public Task<int> RetryFailedAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        return store.RetryFailedAsync(jobId, timeProvider.GetUtcNow(), cancellationToken);
    }

    /// <summary>The operation id of an item: derived from the job and the item, the way the extractor derives it from an idempotency key.</summary>
    internal static string IdempotencyKey(string jobId, string itemId) => "job:" + jobId + ":" + itemId;

    private async Task<InvoiceJobStatus> ControlAsync(string jobId, InvoiceJobControl control, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobId);
        var job = await store.SetJobControlAsync(jobId, control, null, timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return new InvoiceJobStatus(job, await store.GetProgressAsync(jobId, cancellationToken).ConfigureAwait(false));
    }

    private async Task<NewInvoiceJobItem> PrepareAsync(InvoiceJob job, InvoiceJobDocument document, CancellationToken cancellationToken)
    {
        var itemId = "item-" + Guid.CreateVersion7(timeProvider.GetUtcNow()).ToString("N");
        var operationId = Extraction.InvoiceExtractor.CreateOperationId(new ExtractionContext(job.CompanyId) { IdempotencyKey = IdempotencyKey(job.JobId, itemId) });
        switch (document.Source)
        {
            case InvoiceJobDocumentSource.File:
                {
                    var path = document.Location!;
                    var length = new FileInfo(path).Length;
                    if (length > _options.MaxDocumentBytes)
                    {
                        throw TooLarge(document.FileName);
                    }

                    var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
                    await using (stream.ConfigureAwait(false))
                    {
                        var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
                        return new NewInvoiceJobItem { ItemId = itemId, OperationId = operationId, DocumentSha256 = hash, FileName = document.FileName, Source = InvoiceJobDocumentSource.File, Location = path };
                    }
                }

            case InvoiceJobDocumentSource.Uri:
                return new NewInvoiceJobItem { ItemId = itemId, OperationId = operationId, DocumentSha256 = document.Sha256!, FileName = document.FileName, Source = InvoiceJobDocumentSource.Uri, Location = document.Location };

            default:
                {
                    var content = await InvoiceDocument.FromStreamAsync(document.Stream!, document.FileName, _options.MaxDocumentBytes, cancellationToken).ConfigureAwait(false);
                    var hash = Convert.ToHexStringLower(SHA256.HashData(content.Content.Span));
                    if (_options.BlobFolder is { } folder)
                    {
                        // Content-addressed: the same document added twice (to any job) is one file, and a partial write is never read
                        // as a document because it is renamed into place only when complete.
                        Directory.CreateDirectory(folder);
                        var path = Path.Combine(Path.GetFullPath(folder), hash + ".bin");
                        if (!File.Exists(path))
                        {
                            var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
                            await File.WriteAllBytesAsync(temporary, content.Content, cancellationToken).ConfigureAwait(false);
                            File.Move(temporary, path, overwrite: true);
                        }

                        return new NewInvoiceJobItem { ItemId = itemId, OperationId = operationId, DocumentSha256 = hash, FileName = document.FileName, Source = InvoiceJobDocumentSource.File, Location = path };
                    }

                    return new NewInvoiceJobItem { ItemId = itemId, OperationId = operationId, DocumentSha256 = hash, FileName = document.FileName, Source = InvoiceJobDocumentSource.Stored, Content = content.Content };
                }
        }
    }

    private InvalidDocumentException TooLarge(string? fileName) =>
        new(DocumentRejectionReason.TooLarge, $"The document '{fileName}' is larger than InvoiceJobOptions.MaxDocumentBytes ({_options.MaxDocumentBytes} bytes).") { FileName = fileName };
}
