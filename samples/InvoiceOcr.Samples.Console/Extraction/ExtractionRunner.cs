using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Samples.ConsoleApp.Hosting;
using InvoiceOcr.Sdk;
using Spectre.Console;

namespace InvoiceOcr.Samples.ConsoleApp.Extraction;

/// <summary>A document to extract: how it is shown and how to read it.</summary>
/// <param name="Display">The name shown in output (a relative path, or a generated file's name).</param>
/// <param name="Open">Reads the document.</param>
internal sealed record DocumentSource(string Display, Func<CancellationToken, Task<InvoiceDocument>> Open)
{
    public static DocumentSource FromFile(string fullPath, CliContext context) =>
        new(context.DisplayPath(fullPath), ct => InvoiceDocument.FromFileAsync(fullPath, ct));

    public static DocumentSource FromBytes(string fileName, byte[] content) =>
        new(fileName, _ => Task.FromResult(InvoiceDocument.FromBytes(content, fileName)));
}

/// <summary>
/// Extracts documents one after another through <see cref="IInvoiceExtractor"/>, turning each typed SDK error into a
/// failed <see cref="DocumentOutcome"/> so one bad file never stops a batch. Cancellation (Ctrl+C) stops the batch.
/// </summary>
internal sealed class ExtractionRunner(SdkHost sdk, CliContext cli, SecretRedactor redactor)
{
    /// <summary>Gets a test for "the emulator had no answer for this result" (simulated runs); <see langword="null"/> against a real model.</summary>
    public Func<InvoiceExtractionResult, bool>? HadNoAnswer { get; init; }

    public async Task<IReadOnlyList<DocumentOutcome>> RunAsync(
        IReadOnlyList<DocumentSource> documents, Func<int, ExtractionContext> who, bool showProgress, CancellationToken cancellationToken)
    {
        // A progress bar needs a terminal; piped output gets the tables only.
        if (!showProgress || !cli.Out.Profile.Capabilities.Interactive)
        {
            return await RunCoreAsync(documents, who, null, null, cancellationToken).ConfigureAwait(false);
        }

        return await cli.Out.Progress()
            .AutoClear(true)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask("Extracting", maxValue: documents.Count);
                var outcomes = await RunCoreAsync(
                    documents,
                    who,
                    (index, source) => task.Description = Markup.Escape($"[{index + 1}/{documents.Count}] {Path.GetFileName(source.Display)}"),
                    () => task.Increment(1),
                    cancellationToken).ConfigureAwait(false);
                task.Description = "Extracted";
                return outcomes;
            }).ConfigureAwait(false);
    }

    public async Task<DocumentOutcome> ExtractOneAsync(DocumentSource source, ExtractionContext who, CancellationToken cancellationToken)
    {
        var mode = sdk.EInvoiceMode;
        try
        {
            var document = await source.Open(cancellationToken).ConfigureAwait(false);
            var result = await sdk.Extractor.ExtractAsync(document, who, cancellationToken).ConfigureAwait(false);
            return new DocumentOutcome
            {
                File = source.Display,
                Mode = mode,
                Result = result,
                NoAnswer = result.Invoice.Source.Kind == InvoiceSourceKind.Model && HadNoAnswer?.Invoke(result) == true,
            };
        }
        catch (InvoiceOcrException ex)
        {
            return new DocumentOutcome { File = source.Display, Mode = mode, Error = DocumentError.From(ex, redactor.Redact) };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new DocumentOutcome
            {
                File = source.Display,
                Mode = mode,
                Error = new DocumentError(InvoiceOcrErrorKind.Unknown, "The file could not be read: " + redactor.Redact(ex.Message)),
            };
        }
    }

    private async Task<IReadOnlyList<DocumentOutcome>> RunCoreAsync(
        IReadOnlyList<DocumentSource> documents, Func<int, ExtractionContext> who, Action<int, DocumentSource>? starting, Action? completed, CancellationToken cancellationToken)
    {
        var outcomes = new List<DocumentOutcome>(documents.Count);
        for (var i = 0; i < documents.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            starting?.Invoke(i, documents[i]);
            outcomes.Add(await ExtractOneAsync(documents[i], who(i), cancellationToken).ConfigureAwait(false));
            completed?.Invoke();
        }

        return outcomes;
    }
}
