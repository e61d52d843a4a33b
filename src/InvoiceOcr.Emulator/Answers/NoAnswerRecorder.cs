using System.Collections.Concurrent;

namespace InvoiceOcr.Emulator;

/// <summary>
/// Makes the emulator's "no answer" outcome recognisable. When no canned answer, no answer source and no embedded
/// e-invoice answers a request, the emulator has nothing honest to say about the document: it answers the requested
/// schema's empty shape (every scalar <see langword="null"/>, arrays empty) and bills the call as Gemini bills any call.
/// To the caller that looks like a model that read nothing. Put this source <em>last</em> in
/// <see cref="GeminiEmulatorOptions.AnswerSources"/> and it records every document of such a request by SHA-256, then
/// declines, so the emulator's answer is unchanged; ask <see cref="WasUnanswered"/> with the document's SHA-256 (which
/// the SDK reports as <c>InvoiceExtractionResult.DocumentSha256</c>) whether a result came from "no answer".
/// </summary>
/// <remarks>
/// The built-in e-invoice source runs after <see cref="GeminiEmulatorOptions.AnswerSources"/>, so a host that wants
/// e-invoices answered and the rest recorded sets <see cref="GeminiEmulatorOptions.AnswerEmbeddedInvoices"/> to
/// <see langword="false"/> and adds <see cref="Answers.EInvoiceAnswerSource.Instance"/> before this recorder; see
/// <see cref="AddTo"/>.
/// </remarks>
public sealed class NoAnswerRecorder : IEmulatorAnswerSource
{
    private readonly ConcurrentDictionary<string, int> _unanswered = new(StringComparer.OrdinalIgnoreCase);
    private int _requests;

    /// <summary>Gets how many requests nothing answered (including requests without documents).</summary>
    public int UnansweredRequests => Volatile.Read(ref _requests);

    /// <summary>Gets the SHA-256 (lower-case hex) of every document the emulator had no answer for.</summary>
    public IReadOnlyCollection<string> UnansweredDocuments => [.. _unanswered.Keys];

    /// <summary>
    /// Adds a recorder as the last answer source, after the e-invoice source when
    /// <see cref="GeminiEmulatorOptions.AnswerEmbeddedInvoices"/> is on (which it then turns off, as the recorder
    /// takes the source's place in the order). Call it after adding any other answer sources.
    /// </summary>
    /// <param name="options">The emulator's options.</param>
    /// <returns>The recorder.</returns>
    public static NoAnswerRecorder AddTo(GeminiEmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.AnswerEmbeddedInvoices)
        {
            options.AnswerEmbeddedInvoices = false;
            options.AnswerSources.Add(Answers.EInvoiceAnswerSource.Instance);
        }

        var recorder = new NoAnswerRecorder();
        options.AnswerSources.Add(recorder);
        return recorder;
    }

    /// <summary>Returns whether the emulator had no answer for a request with the document of this SHA-256.</summary>
    /// <param name="sha256">The document's SHA-256 in hex (any case).</param>
    /// <returns><see langword="true"/> when a request with that document got the empty "no answer" reply.</returns>
    public bool WasUnanswered(string? sha256) => sha256 is not null && _unanswered.ContainsKey(sha256);

    /// <inheritdoc />
    public ValueTask<string?> GetAnswerAsync(EmulatorAnswerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Interlocked.Increment(ref _requests);
        foreach (var document in request.Documents)
        {
            _unanswered.TryAdd(document.Sha256, 0);
        }

        // Declining leaves the emulator's own "no answer" reply (the schema's empty shape) exactly as it is.
        return ValueTask.FromResult<string?>(null);
    }
}
