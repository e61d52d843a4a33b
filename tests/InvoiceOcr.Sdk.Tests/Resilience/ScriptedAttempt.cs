using System.Net;
using InvoiceOcr.Sdk.Extraction;

namespace InvoiceOcr.Sdk.Tests.Resilience;

/// <summary>A model call attempt driven by a script: records every call and answers as the script says.</summary>
internal sealed class ScriptedAttempt(TimeProvider time, Func<ModelCallAttempt, int, CancellationToken, Task<ModelAttemptResult<string>>> script)
{
    private readonly Lock _gate = new();
    private readonly List<(string KeyId, int AttemptNumber, DateTimeOffset At)> _calls = [];

    public IReadOnlyList<(string KeyId, int AttemptNumber, DateTimeOffset At)> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public Task<ModelAttemptResult<string>> InvokeAsync(ModelCallAttempt attempt, CancellationToken cancellationToken)
    {
        int index;
        lock (_gate)
        {
            index = _calls.Count;
            _calls.Add((attempt.KeyId, attempt.AttemptNumber, time.GetUtcNow()));
        }

        return script(attempt, index, cancellationToken);
    }

    public static Task<ModelAttemptResult<string>> Fail(InvoiceOcrErrorKind kind, HttpStatusCode? status = null, TimeSpan? retryAfter = null, TokenUsage? billed = null, string? keyId = null) =>
        Task.FromException<ModelAttemptResult<string>>(new InvoiceOcrException(kind, $"scripted {kind}")
        {
            HttpStatus = status,
            RetryAfter = retryAfter,
            BilledUsage = billed,
            ResponseId = billed is null ? null : "resp-billed",
            KeyId = keyId,
        });
}
