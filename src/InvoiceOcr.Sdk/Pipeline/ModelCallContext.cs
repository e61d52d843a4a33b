using InvoiceOcr.Sdk.Gemini;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Everything one logical model call knows, carried through every stage of the pipeline (the one place per-call state lives):
/// what was asked, the call's counts, the current attempt, and the outcome.
/// </summary>
internal sealed class ModelCallContext
{
    private HashSet<string>? _excludedKeys;

    public ModelCallContext(ExtractionContext caller, string operationId, GeminiGenerateRequest request, long promptTokens, int maxOutputTokens)
    {
        Caller = caller;
        OperationId = operationId;
        Request = request;
        Model = request.Model ?? throw new ArgumentException("The request names no model.", nameof(request));
        PromptTokens = promptTokens;
        MaxOutputTokens = maxOutputTokens;
    }

    // ---- What was asked (set by the extractor) ----

    /// <summary>Gets who asks (company, user, branch, idempotency key).</summary>
    public ExtractionContext Caller { get; }

    /// <summary>Gets the operation's id: from the idempotency key, else generated.</summary>
    public string OperationId { get; }

    /// <summary>Gets the request to send (a document call, or a general request's turns).</summary>
    public GeminiGenerateRequest Request { get; }

    /// <summary>Gets the model id.</summary>
    public string Model { get; }

    /// <summary>Gets the prompt's estimated tokens.</summary>
    public long PromptTokens { get; }

    /// <summary>Gets the configured output cap.</summary>
    public int MaxOutputTokens { get; }

    /// <summary>Gets the tokens to reserve: prompt and the full output cap.</summary>
    public long EstimatedTokens => PromptTokens + MaxOutputTokens;

    /// <summary>Gets or sets the document's hash (an idempotency key reused for another document is refused).</summary>
    public string? DocumentSha256 { get; init; }

    /// <summary>
    /// Gets a value indicating whether a later call can present this call's operation id and be answered from its stored
    /// outcome, so the outcome must keep the answer (<see cref="StoredOutcome.Serialize"/>). The extractor and the model-call
    /// runner set it to <see langword="false"/> for a call without an idempotency key, whose operation id they generate for
    /// that call alone; any other caller keeps the default.
    /// </summary>
    public bool IsReplayable { get; init; } = true;

    /// <summary>Gets or sets the caller's file name, recorded with the usage.</summary>
    public string? FileName { get; init; }

    /// <summary>Gets what the Gemini stage makes of an answer: the invoice (the default, for the extractor) or the text as it is.</summary>
    public ModelAnswerReader AnswerReader { get; init; } = ModelAnswerReader.Invoice;

    // ---- The operation (claim stage) ----

    /// <summary>Gets or sets the stored outcome of an earlier success of this operation; set, no model call is made.</summary>
    public OperationRecord? Replayed { get; set; }

    /// <summary>
    /// Gets or sets the claim the call's first granted lease is to make in its reservation's transaction (set by the claim
    /// stage, cleared once the claim is made or decided); <see langword="null"/> when the claim was made apart or is not made.
    /// </summary>
    public OperationClaim? PendingClaim { get; set; }

    /// <summary>Gets or sets a value indicating whether this call holds the operation's claim in the store.</summary>
    public bool Claimed { get; set; }

    /// <summary>Gets or sets a value indicating whether the store completed the operation with the successful attempt's ledger row (one transaction).</summary>
    public bool OperationCompleted { get; set; }

    /// <summary>Gets or sets the number of attempts earlier runs of the operation journaled (this run's numbers continue after them).</summary>
    public int PriorAttempts { get; set; }

    // ---- The call's counts (retry stage) ----

    /// <summary>Gets or sets how many attempts were journaled in this call.</summary>
    public int Attempts { get; set; }

    /// <summary>Gets or sets how many requests were sent to the model in this call (the count callers see).</summary>
    public int RequestsSent { get; set; }

    /// <summary>Gets or sets the retries after transient failures so far.</summary>
    public int Retries { get; set; }

    /// <summary>Gets or sets the failovers so far.</summary>
    public int Failovers { get; set; }

    /// <summary>Gets or sets the last attempt's failure.</summary>
    public InvoiceOcrException? LastError { get; set; }

    /// <summary>Gets or sets the key of the last attempt.</summary>
    public string? LastKeyId { get; set; }

    /// <summary>Gets or sets the failover the next lease serves, if the retry policy decided one (counted when the key really changes).</summary>
    public InvoiceOcrErrorKind? PendingFailover { get; set; }

    /// <summary>Gets the keys not to lease again in this call; <see langword="null"/> until the first failover.</summary>
    public IReadOnlyCollection<string>? ExcludedKeys => _excludedKeys;

    // ---- The current attempt (lease, journal, Gemini and settlement stages) ----

    /// <summary>Gets or sets the current attempt's lease.</summary>
    public KeyLease? Lease { get; set; }

    /// <summary>Gets or sets the current attempt's journal entry as the lease stage prepared it (id, number, start), for the store to journal with the reservation.</summary>
    public AttemptJournalEntry? PendingJournal { get; set; }

    /// <summary>Gets or sets the current attempt's id (also its ledger row's id); set once journaled.</summary>
    public string? AttemptId { get; set; }

    /// <summary>Gets or sets the current attempt's number in the operation.</summary>
    public int AttemptNumber { get; set; }

    /// <summary>Gets or sets when the current attempt started.</summary>
    public DateTimeOffset AttemptStartedAt { get; set; }

    /// <summary>Gets or sets a value indicating whether the current attempt's request left for the service.</summary>
    public bool RequestSent { get; set; }

    /// <summary>Gets or sets a value indicating whether the current attempt was ended (settled, released or charged as unknown).</summary>
    public bool AttemptEnded { get; set; }

    /// <summary>Gets or sets the current attempt's answer, once it arrived.</summary>
    public GeminiGenerateResult? Answer { get; set; }

    /// <summary>Gets or sets the current attempt's failure, once known: an <see cref="InvoiceOcrException"/>, or the cancellation that cut it.</summary>
    public Exception? AttemptFault { get; set; }

    // ---- The outcome ----

    /// <summary>Gets or sets the extracted invoice of the successful attempt (set by <see cref="ModelAnswerReader.Invoice"/>).</summary>
    public Invoice? Invoice { get; set; }

    /// <summary>Gets or sets the successful attempt's billed usage.</summary>
    public TokenUsage Usage { get; set; } = TokenUsage.None;

    /// <summary>Gets or sets the successful attempt's key.</summary>
    public string? KeyId { get; set; }

    /// <summary>Gets the output cap the current lease leaves room for.</summary>
    public int LeasedMaxOutputTokens => Lease is { ReservedTokens: > 0 } lease && lease.ReservedTokens < EstimatedTokens
        ? (int)Math.Max(1, lease.ReservedTokens - PromptTokens)
        : MaxOutputTokens;

    /// <summary>Keeps a key out of the rest of the call.</summary>
    public void Exclude(string keyId) => (_excludedKeys ??= new(StringComparer.Ordinal)).Add(keyId);

    /// <summary>Clears the per-attempt state before the next attempt.</summary>
    public void ResetAttempt()
    {
        Lease = null;
        PendingJournal = null;
        AttemptId = null;
        AttemptNumber = 0;
        RequestSent = false;
        AttemptEnded = false;
        Answer = null;
        AttemptFault = null;
    }
}
