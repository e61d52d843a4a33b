namespace InvoiceOcr.Sdk.Extraction;

/// <summary>
/// Runs one logical model call for a company: acquires a key lease and reserves quota, runs the attempt,
/// retries and fails over between keys as the error taxonomy says, settles or releases the reservation,
/// and records every billed attempt in the usage ledger exactly once.
/// </summary>
/// <remarks>
/// The attempt delegate receives the lease for that attempt and must not retry by itself. When an attempt
/// throws an <see cref="InvoiceOcrException"/> whose <see cref="InvoiceOcrException.BilledUsage"/> is set,
/// the call was billed: the executor records that usage before deciding what to do next.
/// </remarks>
internal interface IModelCallExecutor
{
    /// <summary>Executes the call.</summary>
    /// <typeparam name="T">What a successful attempt produces.</typeparam>
    /// <param name="request">Who asks, for which model, and how many tokens to reserve.</param>
    /// <param name="attempt">One attempt with one key; throws <see cref="InvoiceOcrException"/> on failure.</param>
    /// <param name="cancellationToken">Cancels waiting and the attempt.</param>
    /// <returns>The successful attempt's value with its usage and bookkeeping.</returns>
    Task<ModelCallOutcome<T>> ExecuteAsync<T>(
        ModelCallRequest request,
        Func<ModelCallAttempt, CancellationToken, Task<ModelAttemptResult<T>>> attempt,
        CancellationToken cancellationToken);
}

/// <summary>What the executor needs to know about a logical call before it starts.</summary>
/// <param name="Context">Who asks (company, user, branch, idempotency key).</param>
/// <param name="Model">The model id, for example <c>gemini-2.5-flash</c>.</param>
/// <param name="EstimatedTokens">Tokens to reserve: prompt estimate plus the output cap.</param>
/// <param name="OperationId">A unique id the SDK generated for this logical call; usage rows derive their ids from it.</param>
/// <param name="FileName">The caller's file name, recorded with the usage.</param>
internal sealed record ModelCallRequest(ExtractionContext Context, string Model, int EstimatedTokens, string OperationId, string? FileName)
{
    /// <summary>
    /// Gets the number of this call's first attempt in the ledger and the retry log. A replay of an operation (same
    /// idempotency key) whose earlier run made billed or retried attempts continues after them, so that its rows get new
    /// ids instead of colliding with the earlier ones and being dropped as duplicates.
    /// </summary>
    /// <value>The default value is 1.</value>
    public int FirstAttemptNumber { get; init; } = 1;
}

/// <summary>One attempt's key: the id (safe to log) and the secret (never logged).</summary>
/// <param name="KeyId">The key's id.</param>
/// <param name="ApiKey">The secret, sent only in the <c>x-goog-api-key</c> header.</param>
/// <param name="AttemptNumber">1 for the first attempt.</param>
internal sealed record ModelCallAttempt(string KeyId, string ApiKey, int AttemptNumber)
{
    /// <summary>Keeps the secret out of logs and debugger displays.</summary>
    public override string ToString() => $"ModelCallAttempt {{ KeyId = {KeyId}, AttemptNumber = {AttemptNumber} }}";
}

/// <summary>A successful, billed attempt.</summary>
/// <typeparam name="T">The attempt's value.</typeparam>
/// <param name="Value">What the attempt produced.</param>
/// <param name="Usage">The billed usage.</param>
/// <param name="ResponseId">The service's response id.</param>
/// <param name="ModelVersion">The model version the service reported.</param>
internal sealed record ModelAttemptResult<T>(T Value, TokenUsage Usage, string? ResponseId, string? ModelVersion);

/// <summary>The outcome of a logical call that succeeded.</summary>
/// <typeparam name="T">The value.</typeparam>
/// <param name="Value">What the successful attempt produced.</param>
/// <param name="Usage">The successful attempt's billed usage.</param>
/// <param name="ResponseId">The service's response id.</param>
/// <param name="ModelVersion">The model version the service reported.</param>
/// <param name="KeyId">The id of the key that served the successful attempt.</param>
/// <param name="Attempts">How many attempts this call made, 1 when the first succeeded.</param>
internal sealed record ModelCallOutcome<T>(T Value, TokenUsage Usage, string? ResponseId, string? ModelVersion, string KeyId, int Attempts);
