namespace InvoiceOcr.Emulator;

/// <summary>One billed model call, with every token count the real service reports.</summary>
/// <param name="Sequence">The 1-based order in which the call was billed.</param>
/// <param name="Timestamp">When the call was billed (emulator <see cref="TimeProvider"/>).</param>
/// <param name="KeyId">The key's ledger id (<see cref="EmulatorKeyOptions.EffectiveId"/>).</param>
/// <param name="Key">The key value itself (the emulator's own bookkeeping; never logged).</param>
/// <param name="Project">The project the key bills to.</param>
/// <param name="Model">The bare model id.</param>
/// <param name="Method"><c>generateContent</c> or <c>streamGenerateContent</c>.</param>
/// <param name="ResponseId">The <c>responseId</c> of the answer.</param>
/// <param name="FinishReason">The candidate's finish reason (<c>STOP</c>, <c>MAX_TOKENS</c>, …).</param>
/// <param name="PromptTokenCount"><c>usageMetadata.promptTokenCount</c>.</param>
/// <param name="CandidatesTokenCount"><c>usageMetadata.candidatesTokenCount</c>.</param>
/// <param name="CachedContentTokenCount"><c>usageMetadata.cachedContentTokenCount</c> (always 0: the emulator has no cache).</param>
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
    IReadOnlyDictionary<string, int> PromptTokensByModality);

/// <summary>Sums of billed calls for one key or one project.</summary>
/// <param name="Requests">Billed calls.</param>
/// <param name="PromptTokens">Sum of prompt tokens.</param>
/// <param name="CandidatesTokens">Sum of output tokens.</param>
/// <param name="ThoughtsTokens">Sum of thinking tokens.</param>
/// <param name="TotalTokens">Sum of total tokens.</param>
public sealed record EmulatorUsageTotals(long Requests, long PromptTokens, long CandidatesTokens, long ThoughtsTokens, long TotalTokens);
