namespace InvoiceOcr.Emulator;

/// <summary>One billed model call, with every token count the real service reports.</summary>
/// <param name="Sequence">The 1-based order in which the call was billed.</param>
/// <param name="Timestamp">When the call was billed (emulator <see cref="TimeProvider"/>).</param>
/// <param name="KeyId">The key's ledger id (<see cref="EmulatorKeyOptions.EffectiveId"/>).</param>
/// <param name="Key">The key value itself (the emulator's own bookkeeping; never logged).</param>
/// <param name="Project">The project the key bills to.</param>
/// <param name="Model">The bare model id.</param>
/// <param name="Method"><c>generateContent</c>, <c>streamGenerateContent</c> or <c>batchGenerateContent</c>.</param>
/// <param name="ResponseId">The <c>responseId</c> of the answer.</param>
/// <param name="FinishReason">The candidate's finish reason (<c>STOP</c>, <c>MAX_TOKENS</c>, …).</param>
/// <param name="PromptTokenCount"><c>usageMetadata.promptTokenCount</c>.</param>
/// <param name="CandidatesTokenCount"><c>usageMetadata.candidatesTokenCount</c>.</param>
/// <param name="CachedContentTokenCount"><c>usageMetadata.cachedContentTokenCount</c>: the prompt tokens served from an implicit or explicit cache (a subset of <paramref name="PromptTokenCount"/>).</param>
/// <param name="ToolUsePromptTokenCount"><c>usageMetadata.toolUsePromptTokenCount</c>.</param>
/// <param name="ThoughtsTokenCount"><c>usageMetadata.thoughtsTokenCount</c>.</param>
/// <param name="TotalTokenCount"><c>usageMetadata.totalTokenCount</c>.</param>
/// <param name="PromptTokensByModality"><c>usageMetadata.promptTokensDetails</c> as modality → tokens.</param>
public sealed record EmulatorLedgerEntry(
    long Sequence,
    DateTimeOffset Timestamp,
    string KeyId,
    string Key,
    string Project,
    string Model,
    string Method,
    string ResponseId,
    string FinishReason,
    int PromptTokenCount,
    int CandidatesTokenCount,
    int CachedContentTokenCount,
    int ToolUsePromptTokenCount,
    int ThoughtsTokenCount,
    int TotalTokenCount,
    IReadOnlyDictionary<string, int> PromptTokensByModality)
{
    /// <summary>Gets the fault injected into this call (<see cref="EmulatorFaultKind.None"/> for a normal answer).</summary>
    public EmulatorFaultKind Fault { get; init; }

    /// <summary>
    /// Gets a value indicating whether the call was billed but its answer never reached the client intact (one of the
    /// <c>…AfterBilling</c> faults): the client saw a reset connection, a truncated body or no response at all.
    /// </summary>
    public bool AnswerLost => Fault is EmulatorFaultKind.ConnectionResetAfterBilling or EmulatorFaultKind.TruncatedBodyAfterBilling or EmulatorFaultKind.NoResponseAfterBilling;

    /// <summary>
    /// Gets the value of the test-only request header <c>x-invoiceocr-test-attempt</c> (<see cref="GeminiEmulator.TestAttemptHeader"/>),
    /// or <see langword="null"/> when the request did not carry it. A test harness sends its own attempt id there so every
    /// billed call can be matched to exactly one usage row or unknown-outcome attempt. The real service ignores the header.
    /// </summary>
    public string? TestAttempt { get; init; }

    /// <summary>Gets <c>usageMetadata.cacheTokensDetails</c> as modality → tokens (empty when nothing was cached).</summary>
    public IReadOnlyDictionary<string, int> CachedTokensByModality { get; init; } = EmptyModalities;

    /// <summary>Gets the billing tier: <c>standard</c> for interactive calls, <c>batch</c> for batch-mode requests (half price).</summary>
    public string ServiceTier { get; init; } = "standard";

    private static IReadOnlyDictionary<string, int> EmptyModalities { get; } = new Dictionary<string, int>(StringComparer.Ordinal);
}

/// <summary>Sums of billed calls for one key or one project.</summary>
/// <param name="Requests">Billed calls.</param>
/// <param name="PromptTokens">Sum of prompt tokens.</param>
/// <param name="CandidatesTokens">Sum of output tokens.</param>
/// <param name="ThoughtsTokens">Sum of thinking tokens.</param>
/// <param name="TotalTokens">Sum of total tokens.</param>
public sealed record EmulatorUsageTotals(long Requests, long PromptTokens, long CandidatesTokens, long ThoughtsTokens, long TotalTokens)
{
    /// <summary>Gets the sum of cached prompt tokens (a subset of <see cref="PromptTokens"/>).</summary>
    public long CachedTokens { get; init; }

    /// <summary>Gets how many of the billed calls lost their answer (<see cref="EmulatorLedgerEntry.AnswerLost"/>).</summary>
    public long LostAnswers { get; init; }
}
