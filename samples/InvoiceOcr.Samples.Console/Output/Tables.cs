using InvoiceOcr.Samples.ConsoleApp.Extraction;
using Spectre.Console;

namespace InvoiceOcr.Samples.ConsoleApp.Output;

/// <summary>The tables the commands print.</summary>
internal static class Tables
{
    /// <summary>One row per document: the invoice's header fields, where they came from, tokens and findings; or the error.</summary>
    public static Table Invoices(IEnumerable<DocumentOutcome> outcomes, string title)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(title)
            .AddColumns("File", "Invoice id", "Date", "Vendor")
            .AddColumn(new TableColumn("Total").RightAligned())
            .AddColumn("Currency")
            .AddColumn("Source")
            .AddColumn(new TableColumn("Tokens").RightAligned())
            .AddColumn(new TableColumn("Findings").RightAligned());
        foreach (var outcome in outcomes)
        {
            var file = Path.GetFileName(outcome.File);
            if (outcome.Result is { } unanswered && outcome.NoAnswer)
            {
                // Not an extraction: the emulator's empty reply. Said in the row itself, not left to look like a blank invoice.
                table.AddRow(
                    Format.Cell(file),
                    new Text("no answer: the emulator cannot read this file", new Style(Color.Yellow)),
                    Format.Cell(null),
                    Format.Cell(null),
                    Format.Right(Format.None),
                    Format.Cell(null),
                    new Text("emulator (no answer)", new Style(Color.Yellow)),
                    Format.Right(Format.Count(unanswered.Usage.TotalTokens)),
                    Format.Right(Format.None));
            }
            else if (outcome.Result is { } result)
            {
                var errors = result.Findings.Count(f => f.Severity == Sdk.ValidationSeverity.Error);
                var invoice = result.Invoice;
                table.AddRow(
                    Format.Cell(file),
                    Format.Cell(invoice.InvoiceId),
                    Format.Cell(Format.Date(invoice.InvoiceDate)),
                    Format.Cell(invoice.Vendor?.Name),
                    Format.Right(Format.Amount(invoice.Total)),
                    Format.Cell(invoice.Currency),
                    Format.Cell(Format.Source(invoice)),
                    Format.Right(Format.Count(result.Usage.TotalTokens)),
                    errors == 0
                        ? Format.Right(Format.Count(result.Findings.Count))
                        : new Text($"{Format.Count(result.Findings.Count)} ({Format.Count(errors)} error{(errors == 1 ? string.Empty : "s")})", new Style(Color.Red)).RightJustified());
            }
            else
            {
                var error = outcome.Error!;
                var kind = error.Reason is { } reason ? $"{error.Kind} ({reason})" : error.Kind.ToString();
                table.AddRow(
                    Format.Cell(file),
                    new Text("failed: " + kind, new Style(Color.Red)),
                    Format.Cell(null),
                    Format.Cell(null),
                    Format.Right(Format.None),
                    Format.Cell(null),
                    Format.Cell(null),
                    Format.Right(Format.Count(error.BilledUsage?.TotalTokens ?? 0)),
                    Format.Right(Format.None));
            }
        }

        return table;
    }

    /// <summary>One line per document whose status is not ok: the error with its kind and a hint, the invalid findings, or "no answer".</summary>
    public static void Notes(IAnsiConsole console, IEnumerable<DocumentOutcome> outcomes)
    {
        foreach (var outcome in outcomes)
        {
            switch (outcome.Status)
            {
                case DocumentStatus.Failed:
                    var error = outcome.Error!;
                    var hint = Hints.For(error.Kind) is { } h ? " " + h : string.Empty;
                    console.MarkupLineInterpolated($"[red]{outcome.File}[/]: [[{error.Kind}]] {error.Message}{hint}");
                    break;
                case DocumentStatus.NoAnswer:
                    console.MarkupLineInterpolated($"[yellow]{outcome.File}[/]: [[NoAnswer]] {Notices.NoAnswer}");
                    break;
                case DocumentStatus.Invalid:
                    console.MarkupLineInterpolated($"[red]{outcome.File}[/]: [[Invalid]] {Notices.Invalid(outcome.Result!)}");
                    break;
            }
        }
    }

    /// <summary>Documents, pages, tokens by kind and failures by kind.</summary>
    public static Table Summary(BatchSummary summary)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Summary").AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders();
        table.AddRow(Format.Cell("Documents"), Format.Right(Format.Count(summary.Documents)));
        table.AddRow(Format.Cell("  ok"), Format.Right(Format.Count(summary.Ok)));
        if (summary.Invalid > 0)
        {
            table.AddRow(new Text("  invalid (Error-severity findings)", new Style(Color.Red)), Format.Right(Format.Count(summary.Invalid)));
        }

        if (summary.NoAnswer > 0)
        {
            table.AddRow(new Text("  no answer (the emulator cannot read them)", new Style(Color.Yellow)), Format.Right(Format.Count(summary.NoAnswer)));
        }

        table.AddRow(Format.Cell("  failed"), Format.Right(Format.Count(summary.Failed)));
        table.AddRow(Format.Cell("  read from e-invoice XML (0 tokens)"), Format.Right(Format.Count(summary.FromEmbeddedXml)));
        table.AddRow(Format.Cell("Pages"), Format.Right(Format.Count(summary.Pages)));
        table.AddRow(Format.Cell("Model calls"), Format.Right(Format.Count(summary.ModelCalls)));
        table.AddRow(Format.Cell("Tokens: input"), Format.Right(Format.Count(summary.Tokens.Input)));
        table.AddRow(Format.Cell("Tokens: output"), Format.Right(Format.Count(summary.Tokens.Output)));
        table.AddRow(Format.Cell("Tokens: input text"), Format.Right(Format.Count(summary.Tokens.Text)));
        table.AddRow(Format.Cell("Tokens: input image"), Format.Right(Format.Count(summary.Tokens.Image)));
        table.AddRow(Format.Cell("Tokens: input document"), Format.Right(Format.Count(summary.Tokens.Document)));
        table.AddRow(Format.Cell("Tokens: cached"), Format.Right(Format.Count(summary.Tokens.Cached)));
        table.AddRow(Format.Cell("Tokens: thoughts"), Format.Right(Format.Count(summary.Tokens.Thoughts)));
        table.AddRow(Format.Cell("Tokens: total"), Format.Right(Format.Count(summary.Tokens.Total)));
        foreach (var (kind, count) in summary.FailuresByKind)
        {
            table.AddRow(new Text("Failures: " + kind, new Style(Color.Red)), Format.Right(Format.Count(count)));
        }

        return table;
    }

    /// <summary>The usage report: one row per company, branch, user and day, and a total.</summary>
    public static Table Usage(IReadOnlyList<UsageReportRow> rows, string title)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(title)
            .AddColumns("Company", "Branch", "User", "Day")
            .AddColumn(new TableColumn("Calls").RightAligned())
            .AddColumn(new TableColumn("Failed").RightAligned())
            .AddColumn(new TableColumn("Input").RightAligned())
            .AddColumn(new TableColumn("Output").RightAligned())
            .AddColumn(new TableColumn("Cached").RightAligned())
            .AddColumn(new TableColumn("Thoughts").RightAligned())
            .AddColumn(new TableColumn("Total").RightAligned())
            .AddColumn(new TableColumn("Cost").RightAligned());
        foreach (var row in rows)
        {
            table.AddRow(
                Format.Cell(row.CompanyId),
                Format.Cell(row.Branch),
                Format.Cell(row.UserId),
                Format.Cell(Format.Date(row.Day)),
                Format.Right(Format.Count(row.Requests)),
                Format.Right(Format.Count(row.FailedRequests)),
                Format.Right(Format.Count(row.InputTokens)),
                Format.Right(Format.Count(row.OutputTokens)),
                Format.Right(Format.Count(row.CachedTokens)),
                Format.Right(Format.Count(row.ThoughtsTokens)),
                Format.Right(Format.Count(row.TotalTokens)),
                Format.Right(Format.Money(row.Cost, row.Currency)));
        }

        var total = UsageReportRow.Sum(rows);
        table.AddRow(
            new Text("Total", new Style(decoration: Decoration.Bold)),
            Format.Cell(null),
            Format.Cell(null),
            Format.Cell(null),
            Format.Right(Format.Count(total.Requests)),
            Format.Right(Format.Count(total.FailedRequests)),
            Format.Right(Format.Count(total.InputTokens)),
            Format.Right(Format.Count(total.OutputTokens)),
            Format.Right(Format.Count(total.CachedTokens)),
            Format.Right(Format.Count(total.ThoughtsTokens)),
            Format.Right(Format.Count(total.TotalTokens)),
            Format.Right(Format.Money(total.Cost, total.Currency)));
        return table;
    }
}
