using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.ConsoleApp.Extraction;

/// <summary>The machine-readable form of one document's outcome (<c>--json</c> and the <c>--out</c> files).</summary>
internal sealed record DocumentReport
{
    public required string File { get; init; }

    /// <summary>Gets a value indicating whether the document gave an invoice (status <c>ok</c> or <c>invalid</c>).</summary>
    public required bool Succeeded { get; init; }

    /// <summary>Gets <c>ok</c>, <c>invalid</c> (Error-severity findings), <c>noAnswer</c> (the emulator could not answer) or <c>failed</c>.</summary>
    public required string Status { get; init; }

    /// <summary>Gets what a status other than <c>ok</c> means for this document, in plain words.</summary>
    public string? Notice { get; init; }

    public required string Mode { get; init; }

    public Invoice? Invoice { get; init; }

    public IReadOnlyList<ValidationFinding>? Findings { get; init; }

    public UsageReport? Usage { get; init; }

    public string? Model { get; init; }

    public string? ModelVersion { get; init; }

    public string? ResponseId { get; init; }

    public string? KeyId { get; init; }

    public int? Attempts { get; init; }

    public string? OperationId { get; init; }

    public DocumentKind? DocumentKind { get; init; }

    public int? PageCount { get; init; }

    public string? Sha256 { get; init; }

    public long? DurationMs { get; init; }

    public ErrorReport? Error { get; init; }

    public static DocumentReport From(DocumentOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var mode = ModeNames.ToName(outcome.Mode);
        var status = DocumentStatusNames.ToName(outcome.Status);
        if (outcome.Result is { } unanswered && outcome.NoAnswer)
        {
            // The emulator's empty reply is not an extraction: no invoice, no findings; the billed usage stays visible.
            return new DocumentReport
            {
                File = outcome.File,
                Succeeded = false,
                Status = status,
                Notice = Notices.NoAnswer,
                Mode = mode,
                Usage = UsageReport.From(unanswered.Usage),
                Model = unanswered.Model,
                ResponseId = unanswered.ResponseId,
                KeyId = unanswered.KeyId,
                Attempts = unanswered.Attempts,
                OperationId = unanswered.OperationId,
                DocumentKind = unanswered.DocumentKind,
                PageCount = unanswered.PageCount,
                Sha256 = unanswered.DocumentSha256,
                DurationMs = (long)unanswered.Duration.TotalMilliseconds,
            };
        }

        if (outcome.Result is { } r)
        {
            return new DocumentReport
            {
                File = outcome.File,
                Succeeded = true,
                Status = status,
                Notice = outcome.Status == DocumentStatus.Invalid ? Notices.Invalid(r) : null,
                Mode = mode,
                Invoice = r.Invoice,
                Findings = r.Findings,
                Usage = UsageReport.From(r.Usage),
                Model = r.Model,
                ModelVersion = r.ModelVersion,
                ResponseId = r.ResponseId,
                KeyId = r.KeyId,
                Attempts = r.Attempts,
                OperationId = r.OperationId,
                DocumentKind = r.DocumentKind,
                PageCount = r.PageCount,
                Sha256 = r.DocumentSha256,
                DurationMs = (long)r.Duration.TotalMilliseconds,
            };
        }

        var e = outcome.Error!;
        return new DocumentReport
        {
            File = outcome.File,
            Succeeded = false,
            Status = status,
            Mode = mode,
            Error = new ErrorReport(e.Kind.ToString(), e.Message)
            {
                Reason = e.Reason?.ToString(),
                IsTransient = e.IsTransient,
                RetryAfterSeconds = e.RetryAfter?.TotalSeconds,
                BilledUsage = e.BilledUsage is { } billed ? UsageReport.From(billed) : null,
            },
        };
    }
}

/// <summary>A document error: the SDK's error kind, its message and details.</summary>
internal sealed record ErrorReport(string Kind, string Message)
{
    public string? Reason { get; init; }

    public bool IsTransient { get; init; }

    public double? RetryAfterSeconds { get; init; }

    public UsageReport? BilledUsage { get; init; }
}

/// <summary>Billed tokens by kind.</summary>
internal sealed record UsageReport(int InputTokens, int OutputTokens, int TextTokens, int ImageTokens, int DocumentTokens, int CachedTokens, int ThoughtsTokens, int TotalTokens)
{
    public static UsageReport From(TokenUsage usage) => new(
        usage.InputTokens, usage.OutputTokens, usage.TextTokens, usage.ImageTokens, usage.DocumentTokens, usage.CachedTokens, usage.ThoughtsTokens, usage.TotalTokens);
}

/// <summary>The batch as one JSON document: every document's report and the summary.</summary>
internal sealed record BatchReport(IReadOnlyList<DocumentReport> Documents, BatchSummary Summary);
