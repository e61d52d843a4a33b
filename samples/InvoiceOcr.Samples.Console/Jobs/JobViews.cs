using System.Globalization;
using InvoiceOcr.Samples.ConsoleApp.Output;
using InvoiceOcr.Sdk;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace InvoiceOcr.Samples.ConsoleApp.Jobs;

/// <summary>How batch jobs, their items and transitions are shown.</summary>
internal static class JobViews
{
    /// <summary>Gets whether a job has ended: nothing more will happen to it without a retry.</summary>
    public static bool IsFinished(InvoiceJobState state) =>
        state is InvoiceJobState.Completed or InvoiceJobState.Failed or InvoiceJobState.PartiallyProcessed or InvoiceJobState.Cancelled;

    /// <summary>Gets whether a watcher should stop: the job ended, or waits for a person (suspended) or for the quota's reset.</summary>
    public static bool IsAtRest(InvoiceJobState state) => IsFinished(state) || state is InvoiceJobState.Suspended or InvoiceJobState.QuotaExceeded;

    /// <summary>One job: state, a progress bar and its items by state.</summary>
    public static IRenderable Status(InvoiceJobStatus status)
    {
        var job = status.Job;
        var progress = status.Progress;
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow(new Text("Job"), new Text(job.JobId));
        grid.AddRow(new Text("Company"), new Text(job.CompanyId + (job.JobKey is { } key ? "  (key " + key + ")" : string.Empty)));
        grid.AddRow(new Text("State"), new Markup(StateMarkup(status.State)));
        grid.AddRow(new Text("Route"), new Text(!job.UseBatchMode ? "interactive calls" : job.FallbackToInteractive ? "Gemini batch mode (falls back to interactive calls)" : "Gemini batch mode"));
        if (progress.ResumesAt is { } resumes && progress.QuotaExceeded > 0)
        {
            grid.AddRow(new Text("Resumes"), new Text(resumes.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)));
        }

        var chart = new BreakdownChart().Width(60).ShowPercentage();
        AddSlice(chart, "Completed", progress.Completed, Color.Green);
        AddSlice(chart, "Failed", progress.Failed, Color.Red);
        AddSlice(chart, "Cancelled", progress.Cancelled, Color.Grey);
        AddSlice(chart, "Processing", progress.Processing, Color.Blue);
        AddSlice(chart, "Retrying", progress.Retrying, Color.Yellow);
        AddSlice(chart, "QuotaExceeded", progress.QuotaExceeded, Color.Orange1);
        AddSlice(chart, "Suspended", progress.Suspended, Color.Purple);
        AddSlice(chart, "Pending", progress.Pending, Color.Grey35);

        var done = progress.Total == 0 ? 0 : 100.0 * progress.Finished / progress.Total;
        var summary = string.Create(CultureInfo.InvariantCulture, $"{progress.Finished} of {progress.Total} finished ({done:0}%)");
        return new Panel(new Rows(grid, new Text(summary), progress.Total == 0 ? new Text("no documents") : chart))
            .Header("Batch job").Border(BoxBorder.Rounded);
    }

    /// <summary>A company's jobs, newest first.</summary>
    public static Table List(IReadOnlyList<InvoiceJobStatus> jobs, string companyId)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape("Batch jobs of " + companyId))
            .AddColumns("Job", "Key", "Created (UTC)", "State")
            .AddColumn(new TableColumn("Done").RightAligned())
            .AddColumn(new TableColumn("Failed").RightAligned())
            .AddColumn(new TableColumn("Open").RightAligned());
        foreach (var status in jobs)
        {
            var p = status.Progress;
            table.AddRow(
                Format.Cell(status.Job.JobId),
                Format.Cell(status.Job.JobKey),
                Format.Cell(status.Job.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)),
                new Markup(StateMarkup(status.State)),
                Format.Right(string.Create(CultureInfo.InvariantCulture, $"{p.Completed}/{p.Total}")),
                Format.Right(Format.Plain(p.Failed)),
                Format.Right(Format.Plain(p.Total - p.Finished)));
        }

        return table;
    }

    /// <summary>A page of items.</summary>
    public static Table Items(IEnumerable<InvoiceJobItem> items, string title)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title))
            .AddColumn(new TableColumn("#").RightAligned())
            .AddColumns("Item", "File", "State", "Invoice id")
            .AddColumn(new TableColumn("Total").RightAligned())
            .AddColumn(new TableColumn("Tokens").RightAligned())
            .AddColumn("Error");
        foreach (var item in items)
        {
            var invoice = item.ReadInvoice();
            table.AddRow(
                Format.Right(Format.Plain(item.Sequence)),
                Format.Cell(item.ItemId),
                Format.Cell(item.FileName),
                new Text(item.State + (item.IsPartial ? " (partial)" : string.Empty)),
                Format.Cell(invoice?.InvoiceId),
                Format.Right(Format.Amount(invoice?.Total)),
                Format.Right(Format.Count(item.TotalTokens)),
                Format.Cell(item.ErrorKind is { } kind ? kind + ": " + item.ErrorMessage : null));
        }

        return table;
    }

    /// <summary>An item's transitions, oldest first.</summary>
    public static Table History(IEnumerable<InvoiceJobItemTransition> transitions, string itemId)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape("Transitions of " + itemId))
            .AddColumn(new TableColumn("Version").RightAligned())
            .AddColumns("At (UTC)", "From", "To", "Reason", "Worker", "Attempt");
        foreach (var t in transitions)
        {
            table.AddRow(
                Format.Right(Format.Plain(t.Version)),
                Format.Cell(t.At.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture)),
                Format.Cell(t.From.ToString()),
                Format.Cell(t.To.ToString()),
                Format.Cell(t.Reason),
                Format.Cell(t.WorkerId),
                Format.Cell(t.AttemptId));
        }

        return table;
    }

    private static void AddSlice(BreakdownChart chart, string label, int count, Color color)
    {
        if (count > 0)
        {
            chart.AddItem(label, count, color);
        }
    }

    private static string StateMarkup(InvoiceJobState state) => state switch
    {
        InvoiceJobState.Completed => "[green]Completed[/]",
        InvoiceJobState.Failed => "[red]Failed[/]",
        InvoiceJobState.PartiallyProcessed => "[yellow]PartiallyProcessed[/]",
        InvoiceJobState.QuotaExceeded => "[darkorange]QuotaExceeded[/]",
        InvoiceJobState.Suspended => "[purple]Suspended[/]",
        InvoiceJobState.Cancelled => "[grey]Cancelled[/]",
        _ => state.ToString(),
    };
}
