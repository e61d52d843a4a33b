using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.ConsoleApp.Extraction;

/// <summary>Token counts by kind, as Gemini reports them.</summary>
internal sealed record TokenTotals(long Input, long Output, long Text, long Image, long Document, long Cached, long Thoughts, long Total)
{
    public static TokenTotals Of(IEnumerable<TokenUsage> usages)
    {
        var list = usages.ToList();
        return new(
            list.Sum(u => (long)u.InputTokens),
            list.Sum(u => (long)u.OutputTokens),
            list.Sum(u => (long)u.TextTokens),
            list.Sum(u => (long)u.ImageTokens),
            list.Sum(u => (long)u.DocumentTokens),
            list.Sum(u => (long)u.CachedTokens),
            list.Sum(u => (long)u.ThoughtsTokens),
            list.Sum(u => (long)u.TotalTokens));
    }
}

/// <summary>What a batch of extractions amounted to: documents, pages, billed tokens by kind and failures by kind.</summary>
internal sealed record BatchSummary
{
    public int Documents { get; init; }

    public int Succeeded { get; init; }

    public int Failed { get; init; }

    /// <summary>Gets the documents extracted with no Error-severity finding.</summary>
    public int Ok { get; init; }

    /// <summary>Gets the documents extracted with at least one Error-severity finding.</summary>
    public int Invalid { get; init; }

    /// <summary>Gets the documents the bundled emulator had no answer for (simulated runs).</summary>
    public int NoAnswer { get; init; }

    public int FromEmbeddedXml { get; init; }

    public long Pages { get; init; }

    public long ModelCalls { get; init; }

    /// <summary>Gets the billed tokens, including what failed calls were still charged.</summary>
    public required TokenTotals Tokens { get; init; }

    public required IReadOnlyDictionary<string, int> FailuresByKind { get; init; }

    /// <summary>The exit code: 1 when a document failed or is invalid, else 3 when the emulator had no answer for one, else 0.</summary>
    public int ExitCode() => Failed > 0 || Invalid > 0 ? Cli.ExitCodes.Failure : NoAnswer > 0 ? Cli.ExitCodes.NoAnswer : Cli.ExitCodes.Success;

    public static BatchSummary Of(IReadOnlyList<DocumentOutcome> outcomes)
    {
        var results = outcomes.Where(o => o.Result is not null).Select(o => o.Result!).ToList();
        var billed = results.Select(r => r.Usage)
            .Concat(outcomes.Where(o => o.Error?.BilledUsage is not null).Select(o => o.Error!.BilledUsage!));
        return new BatchSummary
        {
            Documents = outcomes.Count,
            Succeeded = results.Count,
            Failed = outcomes.Count - results.Count,
            Ok = outcomes.Count(o => o.Status == DocumentStatus.Ok),
            Invalid = outcomes.Count(o => o.Status == DocumentStatus.Invalid),
            NoAnswer = outcomes.Count(o => o.Status == DocumentStatus.NoAnswer),
            FromEmbeddedXml = results.Count(r => r.Invoice.Source.Kind == InvoiceSourceKind.EmbeddedXml),
            Pages = results.Sum(r => (long)(r.PageCount ?? 1)),
            ModelCalls = results.Sum(r => (long)r.Attempts),
            Tokens = TokenTotals.Of(billed),
            FailuresByKind = outcomes.Where(o => o.Error is not null)
                .GroupBy(o => o.Error!.Reason is { } reason ? $"{o.Error.Kind} ({reason})" : o.Error.Kind.ToString(), StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
        };
    }
}
