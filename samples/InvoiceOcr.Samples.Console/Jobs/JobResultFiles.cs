using System.Globalization;
using System.Text.Json;
using InvoiceOcr.Samples.ConsoleApp.Output;
using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.ConsoleApp.Jobs;

/// <summary>
/// <c>batch results --out</c>: a <c>.json</c> file (every item with its invoice), a <c>.csv</c> file (one line per item), or a
/// folder with one JSON file per item that has an invoice plus <see cref="CsvFileName"/>.
/// </summary>
internal static class JobResultFiles
{
    public const string CsvFileName = "results.csv";

    /// <summary>Reads every item of the job, page by page.</summary>
    public static async Task<IReadOnlyList<InvoiceJobItem>> ReadAllAsync(IInvoiceJobs jobs, string jobId, InvoiceJobItemState? state, CancellationToken cancellationToken)
    {
        var items = new List<InvoiceJobItem>();
        var after = 0;
        while (true)
        {
            var page = await jobs.ListItemsAsync(new InvoiceJobItemQuery(jobId) { State = state, After = after, PageSize = 1000 }, cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Items);
            if (page.NextAfter is not { } next)
            {
                return items;
            }

            after = next;
        }
    }

    /// <summary>Writes the results and returns the files written.</summary>
    public static async Task<IReadOnlyList<string>> WriteAsync(string target, InvoiceJobStatus status, IReadOnlyList<InvoiceJobItem> items, CancellationToken cancellationToken)
    {
        if (target.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            CreateParent(target);
            await File.WriteAllTextAsync(target, CliJson.Serialize(new { job = Job(status), items = items.Select(Item) }), cancellationToken).ConfigureAwait(false);
            return [target];
        }

        if (target.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            CreateParent(target);
            await File.WriteAllTextAsync(target, ToCsv(items), cancellationToken).ConfigureAwait(false);
            return [target];
        }

        Directory.CreateDirectory(target);
        var written = new List<string>();
        foreach (var item in items.Where(i => i.InvoiceJson is { Length: > 0 }))
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"{item.Sequence:0000}-{Path.GetFileNameWithoutExtension(item.FileName ?? item.ItemId)}{(item.IsPartial ? ".partial" : string.Empty)}.json");
            var path = Path.Combine(target, name);
            await File.WriteAllTextAsync(path, CliJson.Serialize(Item(item)), cancellationToken).ConfigureAwait(false);
            written.Add(path);
        }

        var csv = Path.Combine(target, CsvFileName);
        await File.WriteAllTextAsync(csv, ToCsv(items), cancellationToken).ConfigureAwait(false);
        written.Add(csv);
        return written;
    }

    public static string ToCsv(IEnumerable<InvoiceJobItem> items)
    {
        var csv = new System.Text.StringBuilder(Csv.Line("sequence", "item", "file", "state", "partial", "invoiceId", "invoiceDate", "total", "currency", "tokens", "errorKind", "error"));
        foreach (var item in items)
        {
            var invoice = item.ReadInvoice();
            csv.Append(Csv.Line(
                Format.Plain(item.Sequence),
                item.ItemId,
                item.FileName,
                item.State.ToString(),
                item.IsPartial ? "true" : "false",
                invoice?.InvoiceId,
                invoice?.InvoiceDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                invoice?.Total?.ToString(CultureInfo.InvariantCulture),
                invoice?.Currency,
                Format.Plain(item.TotalTokens),
                item.ErrorKind?.ToString(),
                item.ErrorMessage));
        }

        return csv.ToString();
    }

    private static object Job(InvoiceJobStatus status) => new
    {
        status.Job.JobId,
        status.Job.CompanyId,
        status.Job.JobKey,
        state = status.State,
        progress = status.Progress,
    };

    private static object Item(InvoiceJobItem item) => new
    {
        item.ItemId,
        item.Sequence,
        file = item.FileName,
        item.DocumentSha256,
        state = item.State,
        item.IsPartial,
        item.TotalTokens,
        item.OperationId,
        error = item.ErrorKind is { } kind ? new { kind, message = item.ErrorMessage } : null,
        invoice = item.InvoiceJson is { Length: > 0 } json ? JsonDocument.Parse(json).RootElement.Clone() : (JsonElement?)null,
    };

    private static void CreateParent(string file)
    {
        if (Path.GetDirectoryName(file) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }
    }
}
