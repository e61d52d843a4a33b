namespace InvoiceOcr.Emulator.Hosting;

/// <summary>One generated answer with every token count the response and the ledger report.</summary>
/// <param name="Request">The parsed request.</param>
/// <param name="Model">The bare model id.</param>
/// <param name="ResponseId">The <c>responseId</c>.</param>
/// <param name="Text">The answer text; <see langword="null"/> when the candidate has no content (<c>OTHER</c>).</param>
/// <param name="FinishReason">The candidate's finish reason.</param>
/// <param name="CandidatesTokens">Output tokens of <paramref name="Text"/>.</param>
/// <param name="ThoughtsTokens">Thinking tokens (billed as output).</param>
/// <param name="Cached">Prompt tokens served from a cache, by modality (a subset of the prompt).</param>
/// <param name="SafetyFault">Whether the answer was stopped for safety (adds the HIGH rating).</param>
internal sealed record Generation(
    ParsedRequest Request,
    string Model,
    string ResponseId,
    string? Text,
    string FinishReason,
    int CandidatesTokens,
    int ThoughtsTokens,
    IReadOnlyList<(string Modality, int Tokens)> Cached,
    bool SafetyFault)
{
    /// <summary>Gets a value indicating whether the answer starts with a thought-summary part (<c>includeThoughts</c>).</summary>
    public bool IncludeThoughts { get; init; }

    /// <summary>Gets the <c>thoughtSignature</c> of the answer part, when thoughts are included.</summary>
    public string? ThoughtSignature { get; init; }

    public int CachedTokens => Cached.Sum(c => c.Tokens);

    public int TotalTokens => Request.PromptTokens + CandidatesTokens + ThoughtsTokens;
}
