using System.Diagnostics;
using System.Runtime.ExceptionServices;
using InvoiceOcr.Sdk.Diagnostics;
using InvoiceOcr.Sdk.Extraction;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Resilience;

/// <summary>
/// Composes the key pool, the quota store, the retry policy and the usage logger: for each attempt it leases a key
/// with a reservation, runs the attempt in the key's circuit breaker, settles (or releases) the reservation, records
/// every billed attempt once and reports every retry.
/// </summary>
internal sealed partial class ModelCallExecutor(
    ITokenProvider tokenProvider,
    IRetryPolicy retryPolicy,
    IUsageLogger usageLogger,
    InvoiceOcrMetrics metrics,
    TimeProvider timeProvider,
    ILogger<ModelCallExecutor> logger) : IModelCallExecutor
{
    public async Task<ModelCallOutcome<T>> ExecuteAsync<T>(
        ModelCallRequest request,
        Func<ModelCallAttempt, CancellationToken, Task<ModelAttemptResult<T>>> attempt,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Context);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Model, nameof(request));
        ArgumentException.ThrowIfNullOrWhiteSpace(request.OperationId, nameof(request));
        ArgumentOutOfRangeException.ThrowIfNegative(request.EstimatedTokens, nameof(request));
        ArgumentOutOfRangeException.ThrowIfLessThan(request.FirstAttemptNumber, 1, nameof(request));
        ArgumentNullException.ThrowIfNull(attempt);

        using var activity = InvoiceOcrMetrics.ActivitySource.StartActivity("invoiceocr.model_call", ActivityKind.Internal);
        activity?.SetTag("gen_ai.operation.name", InvoiceOcrMetrics.GenAiOperationName);
        activity?.SetTag("gen_ai.provider.name", InvoiceOcrMetrics.GenAiProviderName);
        activity?.SetTag("gen_ai.request.model", request.Model);
        activity?.SetTag("invoiceocr.operation_id", request.OperationId);

        var call = new CallState<T>(request, attempt);
        try
        {
            var outcome = await retryPolicy.ExecuteAsync(
                (_, ct) => AttemptAsync(call, ct),
                (notice, ct) => OnRetryAsync(call, notice, ct),
                cancellationToken).ConfigureAwait(false);
            activity?.SetTag("invoiceocr.attempts", outcome.Attempts);
            activity?.SetTag("invoiceocr.key_id", outcome.KeyId);
            return outcome;
        }
        catch (InvoiceOcrException ex)
        {
            activity?.SetTag("invoiceocr.attempts", call.Attempts);
            activity?.SetTag("error.type", ex.Kind.ToString());
            activity?.SetStatus(ActivityStatusCode.Error, ex.Kind.ToString());
            throw;
        }
    }

    private async ValueTask<ModelCallOutcome<T>> AttemptAsync<T>(CallState<T> call, CancellationToken cancellationToken)
    {
        var request = call.Request;
        KeyLease lease;
        try
        {
            lease = await tokenProvider.AcquireAsync(
                call.ExcludedKeys is { Count: > 0 } excluded
                    ? new KeyLeaseRequest(request.Context.CompanyId, request.Model, request.EstimatedTokens) { ExcludedKeyIds = [.. excluded] }
                    : new KeyLeaseRequest(request.Context.CompanyId, request.Model, request.EstimatedTokens),
                cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (
            ex.Kind == InvoiceOcrErrorKind.LocalQuotaExceeded && ex.RetryAfter is null && call.ExcludedKeys is { Count: > 0 } && call.LastError is { } last)
        {
            // Every remaining active key already failed in this call: the last failure says more than "no key left".
            ExceptionDispatchInfo.Throw(last);
            throw;
        }

        if (lease.IsFallback)
        {
            LogFallbackLease(logger, lease.KeyId, request.OperationId);
        }

        var attemptNumber = call.AttemptNumberOffset + ++call.Attempts;
        var startedAt = timeProvider.GetUtcNow();
        var started = timeProvider.GetTimestamp();
        ModelAttemptResult<T> result;
        try
        {
            var modelAttempt = new ModelCallAttempt(lease.KeyId, lease.Secret, attemptNumber);
            result = await retryPolicy.ExecuteWithKeyAsync(
                lease.KeyId,
                async ct => await call.Attempt(modelAttempt, ct).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (KeyCircuitOpenException ex)
        {
            // No call was made with this key: the attempt number is not used up.
            call.Attempts--;
            await tokenProvider.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
            call.Exclude(lease.KeyId);
            call.LastError = ex;
            call.LastKeyId = lease.KeyId;
            call.LastAttemptWasCall = false;
            LogCircuitOpen(logger, lease.KeyId, request.OperationId);
            throw;
        }
        catch (InvoiceOcrException ex)
        {
            metrics.RecordDuration(request.Model, null, timeProvider.GetElapsedTime(started), ex.Kind);
            await HandleFailureAsync(call, lease, attemptNumber, startedAt, ex).ConfigureAwait(false);
            throw;
        }
        catch
        {
            // Cancellation or an unclassified fault: nothing known to be billed.
            await tokenProvider.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        ArgumentNullException.ThrowIfNull(result, "attempt result");
        var usage = result.Usage ?? TokenUsage.None;
        metrics.RecordDuration(request.Model, result.ModelVersion, timeProvider.GetElapsedTime(started), null);
        metrics.RecordTokenUsage(request.Model, result.ModelVersion, usage);
        _ = await tokenProvider.SettleAsync(lease, usage, CancellationToken.None).ConfigureAwait(false);
        await usageLogger.LogUsageAsync(
            CreateRecord(call, lease, attemptNumber, startedAt, usage, result.ResponseId, UsageOutcome.Success, null),
            CancellationToken.None).ConfigureAwait(false);
        return new ModelCallOutcome<T>(result.Value, usage, result.ResponseId, result.ModelVersion, lease.KeyId, call.Attempts);
    }

    private async ValueTask HandleFailureAsync<T>(CallState<T> call, KeyLease lease, int attemptNumber, DateTimeOffset startedAt, InvoiceOcrException error)
    {
        // Bookkeeping must finish even when the caller cancels: the service may have billed the attempt.
        if (error.BilledUsage is { } billed)
        {
            metrics.RecordTokenUsage(call.Request.Model, null, billed);
            _ = await tokenProvider.SettleAsync(lease, billed, CancellationToken.None).ConfigureAwait(false);
            await usageLogger.LogUsageAsync(
                CreateRecord(call, lease, attemptNumber, startedAt, billed, error.ResponseId, UsageOutcome.Failure, error.Kind),
                CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            await tokenProvider.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
        }

        await tokenProvider.ReportFailureAsync(lease, error, CancellationToken.None).ConfigureAwait(false);
        if (error.IsKeyFault)
        {
            call.Exclude(lease.KeyId);
        }

        call.LastError = error;
        call.LastKeyId = lease.KeyId;
        call.LastAttemptWasCall = true;
        LogAttemptFailed(logger, attemptNumber, lease.KeyId, error.Kind, call.Request.OperationId);
    }

    private async ValueTask OnRetryAsync<T>(CallState<T> call, RetryNotice notice, CancellationToken cancellationToken)
    {
        var kind = notice.Error is InvoiceOcrException e ? e.Kind : InvoiceOcrErrorKind.Unknown;
        var failover = notice.Decision.Action == RetryAction.FailOver;
        if (failover)
        {
            metrics.Failover(kind);
        }
        else
        {
            metrics.Retry(kind);
        }

        LogRetrying(logger, call.Request.OperationId, notice.Decision.Action, kind, notice.Decision.Delay, call.LastKeyId);
        if (!call.LastAttemptWasCall || call.Attempts < 1)
        {
            return;
        }

        var record = new RetryAttemptRecord
        {
            OperationId = call.Request.OperationId,
            AttemptNumber = call.AttemptNumberOffset + call.Attempts,
            CompanyId = call.Request.Context.CompanyId,
            KeyId = call.LastKeyId,
            ErrorKind = kind,
            HttpStatus = notice.Error is InvoiceOcrException { HttpStatus: { } status } ? (int)status : null,
            Delay = notice.Decision.Delay,
            IsFailover = failover,
            Timestamp = timeProvider.GetUtcNow(),
        };
        try
        {
            await usageLogger.LogRetryAttemptAsync(record, cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            // The retry log is diagnostics, not billing: losing a row must not fail the call.
            LogRetryRecordFailed(logger, ex, call.Request.OperationId, call.Attempts);
        }
    }

    private UsageRecord CreateRecord<T>(
        CallState<T> call,
        KeyLease lease,
        int attemptNumber,
        DateTimeOffset startedAt,
        TokenUsage usage,
        string? responseId,
        UsageOutcome outcome,
        InvoiceOcrErrorKind? failureKind)
    {
        // One object with every column (UsageRecord.FromUsage followed by "with" would build the record twice).
        var request = call.Request;
        return new UsageRecord
        {
            Id = UsageRecord.CreateId(request.OperationId, attemptNumber),
            OperationId = request.OperationId,
            Attempt = attemptNumber,
            CompanyId = request.Context.CompanyId,
            KeyId = lease.KeyId,
            Model = request.Model,
            InputTokens = usage.InputTokens,
            OutputTokens = usage.OutputTokens,
            TextTokens = usage.TextTokens,
            ImageTokens = usage.ImageTokens,
            DocumentTokens = usage.DocumentTokens,
            CachedTokens = usage.CachedTokens,
            ThoughtsTokens = usage.ThoughtsTokens,
            ToolUseTokens = usage.ToolUseTokens,
            TotalTokens = usage.TotalTokens,
            RawUsageJson = usage.RawUsageJson,
            Branch = request.Context.Branch,
            UserId = request.Context.RequestedBy,
            ProjectId = lease.ProjectId,
            ResponseId = responseId,
            FileName = request.FileName,
            StartedAt = startedAt,
            CompletedAt = timeProvider.GetUtcNow(),
            Outcome = outcome,
            FailureKind = failureKind,
        };
    }

    [LoggerMessage(2001, LogLevel.Warning, "Attempt {AttemptNumber} of operation {OperationId} with key {KeyId} failed: {Kind}")]
    private static partial void LogAttemptFailed(ILogger logger, int attemptNumber, string keyId, InvoiceOcrErrorKind kind, string operationId);

    [LoggerMessage(2002, LogLevel.Information, "Operation {OperationId}: {Action} after {Kind} on key {KeyId}, waiting {Delay}")]
    private static partial void LogRetrying(ILogger logger, string operationId, RetryAction action, InvoiceOcrErrorKind kind, TimeSpan delay, string? keyId);

    [LoggerMessage(2003, LogLevel.Warning, "Operation {OperationId}: the circuit of key {KeyId} is open; failing over")]
    private static partial void LogCircuitOpen(ILogger logger, string keyId, string operationId);

    [LoggerMessage(2004, LogLevel.Warning, "Operation {OperationId} uses fallback key {KeyId} because the key store is unreachable")]
    private static partial void LogFallbackLease(ILogger logger, string keyId, string operationId);

    [LoggerMessage(2005, LogLevel.Warning, "Could not record retry attempt {AttemptNumber} of operation {OperationId}")]
    private static partial void LogRetryRecordFailed(ILogger logger, Exception exception, string operationId, int attemptNumber);

    private sealed class CallState<T>(ModelCallRequest request, Func<ModelCallAttempt, CancellationToken, Task<ModelAttemptResult<T>>> attempt)
    {
        public ModelCallRequest Request { get; } = request;

        public Func<ModelCallAttempt, CancellationToken, Task<ModelAttemptResult<T>>> Attempt { get; } = attempt;

        /// <summary>Gets the keys already failed over from in this call; <see langword="null"/> until the first (most calls never fail over).</summary>
        public HashSet<string>? ExcludedKeys { get; private set; }

        public int Attempts { get; set; }

        /// <summary>Gets what is added to this call's attempt count to number its ledger rows (attempts of an earlier run of the same operation come first).</summary>
        public int AttemptNumberOffset => Request.FirstAttemptNumber - 1;

        public InvoiceOcrException? LastError { get; set; }

        public string? LastKeyId { get; set; }

        public bool LastAttemptWasCall { get; set; }

        public void Exclude(string keyId) => (ExcludedKeys ??= new(StringComparer.Ordinal)).Add(keyId);
    }
}
