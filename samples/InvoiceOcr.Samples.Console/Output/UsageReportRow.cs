using System.Globalization;
using System.Text;
using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.ConsoleApp.Output;

/// <summary>One line of a usage report: a company's billed model calls for one branch, user and day.</summary>
internal sealed record UsageReportRow(
    string CompanyId,
    string? Branch,
    string? UserId,
    DateOnly? Day,
    long Requests,
    long FailedRequests,
    long InputTokens,
    long OutputTokens,
    long CachedTokens,
    long ThoughtsTokens,
    long TotalTokens,
    decimal Cost = 0,
    string? Currency = null)
{
    public static UsageReportRow From(UsageSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new(
            summary.CompanyId,
            summary.Branch,
            summary.UserId,
            summary.Day,
            summary.RequestCount,
            summary.FailedRequests,
            summary.InputTokens,
            summary.OutputTokens,
            summary.CachedTokens,
            summary.ThoughtsTokens,
            summary.TotalTokens,
            summary.Cost,
            summary.Currency);
    }

    /// <summary>Groups usage records by company, branch, user and day, the way the ledger's summaries do.</summary>
    public static IReadOnlyList<UsageReportRow> Group(IEnumerable<UsageRecord> records) =>
        [.. records
            .GroupBy(r => (r.CompanyId, r.Branch, r.UserId, Day: UsageSummary.DayOf(r.CompletedAt)))
            .OrderBy(g => g.Key.CompanyId, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Branch, StringComparer.Ordinal)
            .ThenBy(g => g.Key.UserId, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Day)
            .Select(g => new UsageReportRow(
                g.Key.CompanyId,
                g.Key.Branch,
                g.Key.UserId,
                g.Key.Day,
                g.Sum(r => (long)r.RequestCount),
                g.Count(r => r.Outcome == UsageOutcome.Failure),
                g.Sum(r => r.InputTokens),
                g.Sum(r => r.OutputTokens),
                g.Sum(r => r.CachedTokens),
                g.Sum(r => r.ThoughtsTokens),
                g.Sum(r => r.TotalTokens),
                g.Sum(r => r.Cost ?? 0),
                g.Select(r => r.Currency).FirstOrDefault(c => c is not null)))];

    public static UsageReportRow Sum(IEnumerable<UsageReportRow> rows)
    {
        var list = rows.ToList();
        return new(
            "Total",
            null,
            null,
            null,
            list.Sum(r => r.Requests),
            list.Sum(r => r.FailedRequests),
            list.Sum(r => r.InputTokens),
            list.Sum(r => r.OutputTokens),
            list.Sum(r => r.CachedTokens),
            list.Sum(r => r.ThoughtsTokens),
            list.Sum(r => r.TotalTokens),
            list.Sum(r => r.Cost),
            list.Select(r => r.Currency).FirstOrDefault(c => c is not null));
    }

    /// <summary>Writes rows as RFC 4180 CSV with a header line (dates ISO 8601, numbers invariant).</summary>
    public static string ToCsv(IEnumerable<UsageReportRow> rows)
    {
        var csv = new StringBuilder();
        csv.Append("company,branch,user,day,requests,failedRequests,inputTokens,outputTokens,cachedTokens,thoughtsTokens,totalTokens,cost,currency\n");
        foreach (var row in rows)
        {
            csv.Append(Csv.Line(
                row.CompanyId,
                row.Branch,
                row.UserId,
                row.Day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Format.Plain(row.Requests),
                Format.Plain(row.FailedRequests),
                Format.Plain(row.InputTokens),
                Format.Plain(row.OutputTokens),
                Format.Plain(row.CachedTokens),
                Format.Plain(row.ThoughtsTokens),
                Format.Plain(row.TotalTokens),
                row.Cost.ToString("0.#########", CultureInfo.InvariantCulture),
                row.Currency));
        }

        return csv.ToString();
    }
}
