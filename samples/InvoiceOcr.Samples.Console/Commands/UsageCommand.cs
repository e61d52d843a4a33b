using System.CommandLine;
using System.Globalization;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Samples.ConsoleApp.Hosting;
using InvoiceOcr.Samples.ConsoleApp.Output;
using InvoiceOcr.Sdk;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace InvoiceOcr.Samples.ConsoleApp.Commands;

/// <summary>
/// <c>usage report</c>: a company's billed usage from the SDK's ledger, by branch, user and UTC day. <c>usage unknown</c>:
/// the attempts whose outcome is unknown (sent, no answer: charged at their estimate), to reconcile with Google's billing.
/// </summary>
internal static class UsageCommand
{
    /// <summary>Printed under the report: its days and Gemini's quota days are not the same days.</summary>
    public const string UtcDaysNote =
        "Days are UTC days. Gemini's per-day quotas (--rpd, --tpd) reset at midnight Pacific time (America/Los_Angeles), so one quota day spans two UTC days.";

    public static Command Create(CliContext cli)
    {
        var command = new Command("usage", "Report billed model usage from the usage ledger.");
        command.Subcommands.Add(Report(cli));
        command.Subcommands.Add(Unknown(cli));
        return command;
    }

    private static Command Report(CliContext cli)
    {
        var company = new Option<string>("--company", "-c") { Description = "The company to report on.", Required = true, HelpName = "id" };
        var from = ValueParsers.Day("--from", "First day to include, a UTC day (yyyy-MM-dd). Default: no lower bound.");
        var to = ValueParsers.Day("--to", "Last day to include, a UTC day (yyyy-MM-dd). Default: no upper bound.");
        var branch = new Option<string?>("--branch", "-b") { Description = "Only this branch.", HelpName = "name" };
        var user = new Option<string?>("--user", "-u") { Description = "Only this user.", HelpName = "name" };
        var csv = new Option<bool>("--csv") { Description = "Print CSV (one line per branch, user and day) instead of a table." };
        var command = new Command("report", "Usage by branch, user and day for a company, with totals.") { company, from, to, branch, user, csv };
        var storeOptions = StoreOptions.AddTo(command);
        command.Validators.Add(result =>
        {
            // Only values that parsed: a bad --from has its own error, and reading it here would throw.
            if (ValueParsers.ValueIfValid(result, from) is { } f && ValueParsers.ValueIfValid(result, to) is { } t && f > t)
            {
                result.AddError("--from must not be after --to.");
            }
        });

        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), json: false, async () =>
        {
            await using var sdk = await SdkHost.StartAsync(new SdkHostSettings { Store = storeOptions.Store(parse, cli), Verbose = parse.GetValue(storeOptions.Verbose) }, cli, cancellationToken).ConfigureAwait(false);
            var query = new UsageQuery(parse.GetRequiredValue(company))
            {
                FromDay = parse.GetValue(from),
                ToDay = parse.GetValue(to),
                Branch = parse.GetValue(branch),
                UserId = parse.GetValue(user),
            };
            var summaries = await sdk.Ledger.SummarizeAsync(query, UsageGrouping.Branch | UsageGrouping.User | UsageGrouping.Day, cancellationToken).ConfigureAwait(false);
            var rows = summaries.Select(UsageReportRow.From).ToList();
            if (parse.GetValue(csv))
            {
                cli.RawOut.Write(UsageReportRow.ToCsv(rows));
                cli.RawOut.Flush();
                return ExitCodes.Success;
            }

            var range = (query.FromDay, query.ToDay) switch
            {
                (null, null) => "all days",
                ({ } f, null) => string.Create(CultureInfo.InvariantCulture, $"from {f:yyyy-MM-dd}"),
                (null, { } t) => string.Create(CultureInfo.InvariantCulture, $"to {t:yyyy-MM-dd}"),
                ({ } f, { } t) => string.Create(CultureInfo.InvariantCulture, $"{f:yyyy-MM-dd} to {t:yyyy-MM-dd}"),
            };
            cli.Out.Write(Tables.Usage(rows, Markup.Escape($"Usage of {query.CompanyId}, {range} (UTC days)")));
            cli.Out.WriteLine(UtcDaysNote);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Unknown(CliContext cli)
    {
        var company = new Option<string?>("--company", "-c") { Description = "Only this company's attempts. Default: every company's.", HelpName = "id" };
        var command = new Command(
            "unknown",
            "Attempts whose request was sent and whose answer never arrived (a cut connection, a timeout, a crash): each is charged at its estimate. Reconcile them with Google's billing.")
        {
            company,
        };
        var storeOptions = StoreOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), json: false, async () =>
        {
            await using var sdk = await SdkHost.StartAsync(new SdkHostSettings { Store = storeOptions.Store(parse, cli), Verbose = parse.GetValue(storeOptions.Verbose) }, cli, cancellationToken).ConfigureAwait(false);
            var companyId = parse.GetValue(company);
            var attempts = await sdk.Services.GetRequiredService<IKeyPoolQueries>().ListUnknownOutcomeAttemptsAsync(companyId, cancellationToken).ConfigureAwait(false);
            var scope = companyId is null ? "every company" : companyId;
            if (attempts.Count == 0)
            {
                cli.Out.WriteLine(Markup.Escape($"No attempt with an unknown outcome for {scope}."));
                return ExitCodes.Success;
            }

            cli.Out.Write(UnknownTable(attempts, Markup.Escape($"Attempts with an unknown outcome, {scope}")));
            cli.Out.WriteLine("Each is charged at its estimate. Match them against Google's billing by key and time; a late answer corrects the charge.");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Table UnknownTable(IReadOnlyList<UnknownOutcomeAttempt> attempts, string title)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(title)
            .AddColumns("Company", "Operation", "Attempt", "Key", "Project", "Started (UTC)", "Resolved (UTC)")
            .AddColumn(new TableColumn("Charged").RightAligned());
        foreach (var a in attempts)
        {
            table.AddRow(
                Format.Cell(a.CompanyId),
                Format.Cell(a.OperationId),
                Format.Cell(string.Create(CultureInfo.InvariantCulture, $"{a.AttemptNumber}: {a.AttemptId}")),
                Format.Cell(a.KeyId),
                Format.Cell(a.ProjectId),
                Format.Cell(a.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
                Format.Cell(a.ResolvedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
                Format.Right(Format.Count(a.ChargedTokens)));
        }

        table.AddRow(
            new Text("Total", new Style(decoration: Decoration.Bold)),
            Format.Cell(null),
            Format.Cell(Format.Count(attempts.Count)),
            Format.Cell(null),
            Format.Cell(null),
            Format.Cell(null),
            Format.Cell(null),
            Format.Right(Format.Count(attempts.Sum(static a => a.ChargedTokens))));
        return table;
    }
}
