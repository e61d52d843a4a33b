using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Documents;

/// <summary>
/// Document intake: turns an <see cref="InvoiceDocument"/> into an <see cref="InspectedDocument"/> or rejects it with an
/// <see cref="InvalidDocumentException"/> before any model call. Checks, in order: empty, too large (before any parsing),
/// kind from the bytes, allowed kinds, then for a PDF that it opens without a password and has 1 to
/// <see cref="DocumentOptions.MaxPages"/> pages, for an image that its header gives a pixel size.
/// </summary>
/// <remarks>
/// <para>
/// PdfPig offers no cancellation, so a PDF is parsed as a thread-pool work item and awaited for at most
/// <see cref="DocumentOptions.PdfParseTimeout"/> (measured with the injected <see cref="TimeProvider"/>). PdfPig 0.1.16 was
/// seen to terminate on the corpus' traps (<c>SpookyPass.pdf</c> raises "Object stream cannot contain itself",
/// <c>invalid-xref-loop.pdf</c> opens with its one page), so the guard is for hostile files nobody has seen yet: when it
/// fires, the document is rejected as <see cref="DocumentRejectionReason.Damaged"/> at once, and the parse is told to stop.
/// It reads the file through <see cref="GuardedPdfInput"/> and decodes streams through <see cref="GuardedFilterProvider"/>,
/// which both throw once told, so it ends at its next read or decode instead of holding a core until it finishes on its own.
/// A caller's cancellation stops it the same way.
/// </para>
/// <para>
/// The parse used to run on a new dedicated thread per document; creating and starting that thread cost more than the
/// parse of a one-page invoice (~0.5 ms against ~0.05 ms). A pool work item queued from a pool thread usually runs on that
/// same thread as soon as the caller yields, so the guard now costs almost nothing. An abandoned parse holds a pool thread
/// exactly as it held its own thread before; the pool injects replacements when work queues up behind it.
/// </para>
/// </remarks>
internal sealed partial class DocumentInspector
{
    private const string AcceptedKinds = "PDF, PNG, JPEG, WEBP, HEIC or HEIF";

    private readonly Func<DocumentOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Func<ReadOnlyMemory<byte>, string?, PdfReadLimits, PdfFacts> _pdfReader;

    /// <summary>Creates the inspector used by dependency injection.</summary>
    public DocumentInspector(IOptionsMonitor<DocumentOptions> options, TimeProvider timeProvider, ILogger<DocumentInspector> logger)
        : this(() => options.CurrentValue, timeProvider, logger, PdfDocumentReader.Read)
    {
    }

    /// <summary>Creates an inspector with an explicit PDF reader (tests replace it to exercise the parse timeout).</summary>
    internal DocumentInspector(Func<DocumentOptions> options, TimeProvider timeProvider, ILogger logger, Func<ReadOnlyMemory<byte>, string?, PdfReadLimits, PdfFacts> pdfReader)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(pdfReader);
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _pdfReader = pdfReader;
    }

    /// <summary>Inspects a document, copying out a PDF's embedded files (attachments) for the e-invoice reader.</summary>
    /// <param name="document">The document.</param>
    /// <param name="cancellationToken">Cancels the inspection (an <see cref="OperationCanceledException"/> is thrown).</param>
    /// <returns>The inspected document.</returns>
    /// <exception cref="InvalidDocumentException">The document is rejected; <see cref="InvalidDocumentException.Reason"/> says why.</exception>
    public Task<InspectedDocument> InspectAsync(InvoiceDocument document, CancellationToken cancellationToken = default) =>
        InspectAsync(document, readEmbeddedFiles: true, cancellationToken);

    /// <summary>Inspects a document.</summary>
    /// <param name="document">The document.</param>
    /// <param name="readEmbeddedFiles">
    /// Whether to look for a PDF's embedded files (the <c>/EmbeddedFiles</c> name tree, else the catalog's <c>/AF</c> array)
    /// and copy them out; <see langword="false"/> when nothing will read them (<see cref="EInvoiceMode.ModelOnly"/>), leaving
    /// <see cref="InspectedDocument.EmbeddedFiles"/> empty. Every rejection applies either way.
    /// </param>
    /// <param name="cancellationToken">Cancels the inspection (an <see cref="OperationCanceledException"/> is thrown).</param>
    /// <returns>The inspected document.</returns>
    /// <exception cref="InvalidDocumentException">The document is rejected; <see cref="InvalidDocumentException.Reason"/> says why.</exception>
    public async Task<InspectedDocument> InspectAsync(InvoiceDocument document, bool readEmbeddedFiles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var inspected = await InspectCoreAsync(document, _options(), readEmbeddedFiles, cancellationToken).ConfigureAwait(false);
            LogAccepted(_logger, document.FileName, inspected.Kind, inspected.Length, inspected.PageCount, inspected.PixelWidth, inspected.PixelHeight);
            return inspected;
        }
        catch (InvalidDocumentException ex)
        {
            LogRejected(_logger, document.FileName, ex.Reason, ex.Message);
            throw;
        }
    }

    private async Task<InspectedDocument> InspectCoreAsync(InvoiceDocument document, DocumentOptions options, bool readEmbeddedFiles, CancellationToken cancellationToken)
    {
        var content = document.Content;
        var fileName = document.FileName;
        if (content.IsEmpty)
        {
            throw DocumentMessages.Reject(DocumentRejectionReason.Empty, fileName, "the document is empty (0 bytes).");
        }

        if (content.Length > options.MaxFileBytes)
        {
            throw DocumentMessages.Reject(
                DocumentRejectionReason.TooLarge,
                fileName,
                string.Create(CultureInfo.InvariantCulture, $"it has {content.Length:N0} bytes; the limit is {options.MaxFileBytes:N0} bytes (DocumentOptions.MaxFileBytes)."));
        }

        if (DocumentSniffer.Detect(content.Span) is not { } kind)
        {
            throw DocumentMessages.Reject(
                DocumentRejectionReason.UnsupportedType,
                fileName,
                $"the content is not a {AcceptedKinds} file (it starts with {Preview(content.Span)}). The type is detected from the bytes, not the file name.");
        }

        if (options.AllowedKinds is { Count: > 0 } allowed && !allowed.Contains(kind))
        {
            throw DocumentMessages.Reject(
                DocumentRejectionReason.UnsupportedType,
                fileName,
                $"it is a {kind} file, and DocumentOptions.AllowedKinds accepts only {string.Join(", ", allowed)}.");
        }

        if (kind != DocumentKind.Pdf)
        {
            if (!ImageSizeReader.TryRead(kind, content.Span, out var width, out var height, out var fault))
            {
                throw DocumentMessages.Reject(DocumentRejectionReason.DamagedImage, fileName, fault + ".");
            }

            return new InspectedDocument
            {
                Content = content,
                Kind = kind,
                MimeType = DocumentKindInfo.MimeType(kind),
                FileName = fileName,
                Sha256 = Sha256Hex(content.Span),
                PixelWidth = width,
                PixelHeight = height,
            };
        }

        var (facts, sha256) = await ReadPdfAsync(content, fileName, options, readEmbeddedFiles ? options.MaxFileBytes : 0, cancellationToken).ConfigureAwait(false);
        if (facts.PageCount == 0)
        {
            throw DocumentMessages.Reject(DocumentRejectionReason.NoPages, fileName, "the PDF has no pages.");
        }

        if (facts.PageCount > options.MaxPages)
        {
            throw DocumentMessages.Reject(
                DocumentRejectionReason.TooManyPages,
                fileName,
                string.Create(CultureInfo.InvariantCulture, $"the PDF has {facts.PageCount:N0} pages; the limit is {options.MaxPages:N0} (DocumentOptions.MaxPages)."));
        }

        return new InspectedDocument
        {
            Content = content,
            Kind = kind,
            MimeType = DocumentKindInfo.MimeType(kind),
            FileName = fileName,
            Sha256 = sha256,
            PageCount = facts.PageCount,
            IsEncrypted = facts.IsEncrypted,
            EmbeddedFiles = facts.EmbeddedFiles,
        };
    }

    /// <summary>
    /// Parses the PDF on the thread pool under the parse timeout, hashing the bytes meanwhile; returns the facts and the SHA-256.
    /// When the time-out passes or the caller cancels, the parse is told to stop (it ends at its next read of the file or
    /// stream decode) and the caller is answered at once, without waiting for the parse to unwind.
    /// </summary>
    private async Task<(PdfFacts Facts, string Sha256)> ReadPdfAsync(ReadOnlyMemory<byte> content, string? fileName, DocumentOptions options, long embeddedBudgetBytes, CancellationToken cancellationToken)
    {
        var reader = _pdfReader;
        using var stop = new CancellationTokenSource();
        var limits = new PdfReadLimits(embeddedBudgetBytes, options.MaxEmbeddedXmlBytes, stop.Token);
        var parse = Task.Run(() => reader(content, fileName, limits), CancellationToken.None);
        var parsed = parse.WaitAsync(options.PdfParseTimeout, _timeProvider, cancellationToken);

        // Hash while the parser works: when another pool thread is free it picks the parse up, and for a large file the
        // two overlap instead of adding up. A rejected PDF wastes the hash, which is cheaper than the parse it waits for.
        var sha256 = Sha256Hex(content.Span);
        try
        {
            return (await parsed.ConfigureAwait(false), sha256);
        }
        catch (TimeoutException ex)
        {
            Abandon(stop, parse);
            LogParseTimedOut(_logger, fileName, options.PdfParseTimeout);
            throw DocumentMessages.Reject(
                DocumentRejectionReason.Damaged,
                fileName,
                string.Create(CultureInfo.InvariantCulture, $"the PDF could not be parsed within {options.PdfParseTimeout.TotalSeconds:0.###} s (DocumentOptions.PdfParseTimeout); it is malformed or hostile."),
                ex);
        }
        catch (OperationCanceledException)
        {
            Abandon(stop, parse);
            throw;
        }
        catch (Exception ex) when (ex is not InvalidDocumentException and not OutOfMemoryException)
        {
            // The reader maps PdfPig's faults itself; anything else escaping it still means the PDF cannot be used.
            throw DocumentMessages.Reject(DocumentRejectionReason.Damaged, fileName, "the PDF is damaged and cannot be opened (" + ex.GetType().Name + ").", ex);
        }
    }

    /// <summary>Tells an abandoned parse to stop, and observes the exception it will end with so it is not reported as unobserved.</summary>
    private static void Abandon(CancellationTokenSource stop, Task parse)
    {
        stop.Cancel();
        _ = parse.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string Preview(ReadOnlySpan<byte> bytes)
    {
        var head = bytes[..Math.Min(bytes.Length, 8)];
        return "0x" + Convert.ToHexString(head) + (bytes.Length > head.Length ? "..." : string.Empty);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Document {FileName} accepted as {Kind}: {Length} bytes, {PageCount} pages, {PixelWidth}x{PixelHeight} pixels")]
    private static partial void LogAccepted(ILogger logger, string? fileName, DocumentKind kind, long length, int? pageCount, int? pixelWidth, int? pixelHeight);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Document {FileName} rejected ({Reason}): {Detail}")]
    private static partial void LogRejected(ILogger logger, string? fileName, DocumentRejectionReason reason, string detail);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Parsing PDF {FileName} did not finish within {Timeout}; the document is rejected and the parse abandoned")]
    private static partial void LogParseTimedOut(ILogger logger, string? fileName, TimeSpan timeout);
}
