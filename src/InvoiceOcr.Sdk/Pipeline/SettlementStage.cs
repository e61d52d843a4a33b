using System.Runtime.ExceptionServices;
using InvoiceOcr.Sdk.Diagnostics;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Stage 9 (the last): ends the attempt. A billed attempt (success, or an unusable answer the service still billed) is
/// recorded through <see cref="IUsageLogger"/> (the built-in one writes the ledger row, the reservation's settlement and the
/// attempt's completion in one store transaction) and settled with <see cref="ITokenProvider"/>; an error answer is released;
/// a request that got no answer is charged at its estimate as outcome-unknown. Then the failure, if any, is reported to the
/// key pool and surfaced.
/// </summary>
internal sealed partial class SettlementStage(
    IUsageLogger usageLogger,
    ITokenProvider tokenProvider,
    AttemptEnder ender,
    InvoiceOcrMetrics metrics,
    PriceTable prices,
    TimeProvider timeProvider,
    ILogger<SettlementStage> logger) : ModelCallStage
{
    public override async ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        var lease = context.Lease ?? throw new InvalidOperationException("The attempt has no lease.");
        var fault = context.AttemptFault;
        var error = fault as InvoiceOcrException;
        var billed = fault is null ? context.Answer?.Usage : error?.BilledUsage;

        // Bookkeeping is not cancellable: the service may have billed the attempt.
        if (billed is not null)
        {
            metrics.RecordTokenUsage(context.Model, context.Answer?.ModelVersion, billed);

            // The operation's completion travels with its billed attempt: one transaction, or one outbox record.
            var outcome = fault is null && context.Claimed ? StoredOutcome.Serialize(context, context.Answer?.ModelVersion, context.Answer?.ResponseId) : null;
            var record = CreateRecord(context, lease, billed, fault is null ? context.Answer?.ResponseId : error!.ResponseId ?? context.Answer?.ResponseId, error?.Kind, outcome);
            var recorded = await usageLogger.LogUsageAsync(record, CancellationToken.None).ConfigureAwait(false);
            context.AttemptEnded = true;
            context.OperationCompleted = record.OperationOutcomeJson is not null && recorded.State == UsageRecording.Settled;
            await tokenProvider.SettleAsync(lease, billed, recorded, CancellationToken.None).ConfigureAwait(false);
        }
        else if (fault is not null)
        {
            await ender.EndAsync(context, IsUnanswered(fault) ? AttemptResult.OutcomeUnknown : AttemptResult.NotBilled).ConfigureAwait(false);
        }

        if (fault is null)
        {
            return;
        }

        if (error is not null)
        {
            await tokenProvider.ReportFailureAsync(lease, error, CancellationToken.None).ConfigureAwait(false);
            LogAttemptFailed(logger, context.AttemptNumber, lease.KeyId, error.Kind, context.OperationId);
        }

        ExceptionDispatchInfo.Throw(fault);
    }

    /// <summary>
    /// Whether the request may have been billed with no answer read: a cut connection, a timeout or a cancellation after the
    /// request left (no status, or a 2xx whose body was cut short). An error status is an answer the service does not bill.
    /// </summary>
    private static bool IsUnanswered(Exception fault) => fault switch
    {
        OperationCanceledException => true,
        InvoiceOcrException e => e.BilledUsage is null && (e.HttpStatus is null || (int)e.HttpStatus.Value is >= 200 and < 300) &&
                                 e.Kind is InvoiceOcrErrorKind.Timeout or InvoiceOcrErrorKind.NetworkFailure or InvoiceOcrErrorKind.Unknown or InvoiceOcrErrorKind.SchemaMismatch,
        _ => true,
    };

    private UsageRecord CreateRecord(ModelCallContext context, KeyLease lease, TokenUsage usage, string? responseId, InvoiceOcrErrorKind? failureKind, string? outcome)
    {
        // Costed now, with the table in force: a later price change never rewrites what a past call cost.
        var cost = prices.Cost(context.Model, usage);
        return new()
        {
            Cost = cost?.Amount,
            Currency = cost?.Currency,
            Id = context.AttemptId!,
            OperationId = context.OperationId,
            Attempt = context.AttemptNumber,
            CompanyId = context.Caller.CompanyId,
            KeyId = lease.KeyId,
            Model = context.Model,
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
            Branch = context.Caller.Branch,
            UserId = context.Caller.RequestedBy,
            ProjectId = lease.ProjectId,
            ReservationId = lease.ReservationId,
            ResponseId = responseId,
            FileName = context.FileName,
            StartedAt = context.AttemptStartedAt,
            CompletedAt = timeProvider.GetUtcNow(),
            Outcome = failureKind is null ? UsageOutcome.Success : UsageOutcome.Failure,
            FailureKind = failureKind,
            OperationOutcomeJson = outcome,
        };
    }

    // No exception argument: these are expected failures, decided on by the retry stage; a stack trace says nothing more.
    [LoggerMessage(2001, LogLevel.Warning, "Attempt {AttemptNumber} of operation {OperationId} with key {KeyId} failed: {Kind}")]
    private static partial void LogAttemptFailed(ILogger logger, int attemptNumber, string keyId, InvoiceOcrErrorKind kind, string operationId);
}
