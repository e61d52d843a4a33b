using System.Net;
using InvoiceOcr.Sdk.Gemini;

namespace InvoiceOcr.Sdk.Tests.Pipeline;

/// <summary>One call the scripted model client received: the key (from its test secret), the call's index + 1, when, and the output cap sent.</summary>
internal readonly record struct ScriptedCall(string KeyId, int AttemptNumber, DateTimeOffset At, int? MaxOutputTokens);

/// <summary>
/// A model client driven by a script, in place of <see cref="GeminiClient"/>: records every call and answers as the script
/// says (a <see langword="null"/> answer from the script is a successful invoice whose id names the key).
/// </summary>
internal sealed class ScriptedModelClient(TimeProvider time, Func<ScriptedCall, int, CancellationToken, Task<GeminiGenerateResult>?> script) : IModelClient
{
    /// <summary>Gets or sets the script: the call and its index (0 for the first) to an answer task, or <see langword="null"/> for a success.</summary>
    public Func<ScriptedCall, int, CancellationToken, Task<GeminiGenerateResult>?> Script { get; set; } = script;

    private readonly Lock _gate = new();
    private readonly List<ScriptedCall> _calls = [];

    public IReadOnlyList<ScriptedCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public ValueTask<GeminiGenerateResult> GenerateContentAsync(GeminiGenerateRequest request, string apiKey, string? attemptId, CancellationToken cancellationToken)
    {
        ScriptedCall call;
        int index;
        lock (_gate)
        {
            index = _calls.Count;
            call = new ScriptedCall(KeyIdOf(apiKey), index + 1, time.GetUtcNow(), request.MaxOutputTokens);
            _calls.Add(call);
        }

        return new ValueTask<GeminiGenerateResult>(Script(call, index, cancellationToken) ?? Task.FromResult(Success(call.KeyId, call.AttemptNumber)));
    }

    public static string KeyIdOf(string secret) => secret["test-key-".Length..^"-0000".Length];

    public static GeminiGenerateResult Success(string keyId, int attempt, int totalTokens = 800) => Answer(keyId, attempt, Usage(totalTokens));

    public static GeminiGenerateResult Answer(string keyId, int attempt, TokenUsage usage, string? responseId = null) => new()
    {
        Text = $"{{\"invoiceId\":\"ok:{keyId}\"}}",
        FinishReason = "STOP",
        CandidateCount = 1,
        Usage = usage,
        Model = "gemini-2.5-flash",
        ModelVersion = "gemini-2.5-flash-001",
        ResponseId = responseId ?? $"resp-{keyId}-{attempt}",
    };

    public static TokenUsage Usage(int totalTokens) => new()
    {
        InputTokens = totalTokens / 2,
        OutputTokens = totalTokens - (totalTokens / 2),
        TextTokens = 10,
        DocumentTokens = (totalTokens / 2) - 10,
        TotalTokens = totalTokens,
        RawUsageJson = $"{{\"totalTokenCount\":{totalTokens}}}",
    };

    public static Task<GeminiGenerateResult> Fail(InvoiceOcrErrorKind kind, HttpStatusCode? status = null, TimeSpan? retryAfter = null, TokenUsage? billed = null, string? keyId = null) =>
        Task.FromException<GeminiGenerateResult>(new InvoiceOcrException(kind, $"scripted {kind}")
        {
            HttpStatus = status,
            RetryAfter = retryAfter,
            BilledUsage = billed,
            ResponseId = billed is null ? null : "resp-billed",
            KeyId = keyId,
        });
}
