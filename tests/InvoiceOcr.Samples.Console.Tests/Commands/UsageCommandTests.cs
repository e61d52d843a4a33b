using System.Globalization;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Samples.ConsoleApp.Hosting;
using InvoiceOcr.Sdk;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Samples.ConsoleApp.Tests.Commands;

public sealed class UsageCommandTests
{
    [Fact]
    public async Task UsageReportCsv_AfterExtractionsByTwoUsers_SumsMatchTheUsageLedger()
    {
        using var run = new ConsoleRun();
        var einfach = SharedData.Invoice("zugferd/EN16931_Einfach.pdf");
        var minimum = SharedData.Invoice("zugferd/Facture_UE_MINIMUM.pdf");
        var xrechnung = SharedData.Invoice("zugferd/XRECHNUNG_Einfach.pdf");
        Assert.Equal(ExitCodes.Success, await run.RunAsync("extract", einfach, minimum, "--company", "acme", "--user", "alice", "--branch", "Pune", "--mode", "model-only", "--emulator"));
        Assert.Equal(ExitCodes.Success, await run.RunAsync("extract", xrechnung, "--company", "acme", "--user", "bob", "--branch", "Delhi", "--mode", "model-only", "--emulator"));

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var exitCode = await run.RunAsync("usage", "report", "--company", "acme", "--from", "2000-01-01", "--to", "2100-01-01", "--csv");

        Assert.Equal(ExitCodes.Success, exitCode);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        Assert.Equal(["company", "branch", "user", "day", "requests", "failedRequests", "inputTokens", "outputTokens", "cachedTokens", "thoughtsTokens", "totalTokens", "cost", "currency"], header);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Contains(rows, r => r[1] == "Delhi" && r[2] == "bob" && r[4] == "1");
        Assert.Contains(rows, r => r[1] == "Pune" && r[2] == "alice" && r[4] == "2");

        var records = await LedgerRecordsAsync(run, "acme");
        Assert.Equal(3, records.Count);
        Assert.Equal(records.Sum(r => r.TotalTokens), rows.Sum(r => long.Parse(r[10], CultureInfo.InvariantCulture)));
        Assert.Equal(records.Sum(r => r.InputTokens), rows.Sum(r => long.Parse(r[6], CultureInfo.InvariantCulture)));
        Assert.Equal(records.Sum(r => r.OutputTokens), rows.Sum(r => long.Parse(r[7], CultureInfo.InvariantCulture)));
        Assert.Equal(records.Sum(r => r.Cost ?? 0), rows.Sum(r => decimal.Parse(r[11], CultureInfo.InvariantCulture)));
        Assert.All(rows, r => Assert.Equal("USD", r[12]));
        Assert.All(rows, r => Assert.True(r[3] == today || r[3] == DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task UsageReport_Table_ShowsTheLedgersCostPerRowAndInTotal()
    {
        using var run = new ConsoleRun();
        Assert.Equal(ExitCodes.Success, await run.RunAsync("extract", SharedData.Invoice("zugferd/EN16931_Einfach.pdf"), "--company", "acme", "--user", "alice", "--mode", "model-only", "--emulator"));
        Assert.Equal(ExitCodes.Success, await run.RunAsync("extract", SharedData.Invoice("zugferd/XRECHNUNG_Einfach.pdf"), "--company", "acme", "--user", "bob", "--mode", "model-only", "--emulator"));

        var exitCode = await run.RunAsync("usage", "report", "--company", "acme", "--from", "2000-01-01", "--to", "2100-01-01");

        Assert.Equal(ExitCodes.Success, exitCode);
        var records = await LedgerRecordsAsync(run, "acme");
        var cost = records.Sum(r => r.Cost ?? 0);
        Assert.True(cost > 0);
        Assert.Contains("Cost", run.Output, StringComparison.Ordinal);
        var total = Assert.Single(run.Output.Split('\n'), l => l.StartsWith("│ Total", StringComparison.Ordinal));
        Assert.EndsWith(cost.ToString("#,0.000000", CultureInfo.InvariantCulture) + " USD │", total.TrimEnd(), StringComparison.Ordinal);
        foreach (var user in new[] { "alice", "bob" })
        {
            var line = Assert.Single(run.Output.Split('\n'), l => l.Contains($" {user} ", StringComparison.Ordinal));
            var userCost = records.Where(r => r.UserId == user).Sum(r => r.Cost ?? 0);
            Assert.EndsWith(userCost.ToString("#,0.000000", CultureInfo.InvariantCulture) + " USD │", line.TrimEnd(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UsageReport_DayRangeWithoutUsage_PrintsAZeroTotal()
    {
        using var run = new ConsoleRun();
        Assert.Equal(ExitCodes.Success, await run.RunAsync("extract", SharedData.Invoice("zugferd/EN16931_Einfach.pdf"), "--company", "acme", "--mode", "model-only", "--emulator"));

        var exitCode = await run.RunAsync("usage", "report", "--company", "acme", "--from", "2001-01-01", "--to", "2001-01-31");

        Assert.Equal(ExitCodes.Success, exitCode);
        var total = Assert.Single(run.Output.Split('\n'), l => l.StartsWith("│ Total", StringComparison.Ordinal));
        Assert.EndsWith("0 │", total.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageReport_FromAfterTo_IsAParseError()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("usage", "report", "--company", "acme", "--from", "2026-02-01", "--to", "2026-01-01");

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("--from must not be after --to", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageUnknown_AttemptsLeftWithoutAnAnswer_ListsThemPerCompanyWithTheirCharge()
    {
        using var run = new ConsoleRun();
        await using (var sdk = await StartSdkAsync(run))
        {
            var operations = sdk.Services.GetRequiredService<IOperationStore>();
            var now = DateTimeOffset.UtcNow;
            foreach (var (attemptId, companyId, estimate) in new[] { ("att-acme-1", "acme", 1_234L), ("att-globex-1", "globex", 99L) })
            {
                await operations.BeginAttemptAsync(
                    new AttemptJournalEntry
                    {
                        AttemptId = attemptId,
                        OperationId = "op-" + attemptId,
                        CompanyId = companyId,
                        KeyId = "key-7",
                        EstimatedTokens = estimate,
                        AttemptNumber = 1,
                        StartedAt = now,
                        ExpiresAt = now.AddMinutes(10),
                    },
                    TestContext.Current.CancellationToken);
                await operations.EndAttemptAsync(new AttemptEnding(attemptId, AttemptResult.OutcomeUnknown), TestContext.Current.CancellationToken);
            }
        }

        var exitCode = await run.RunAsync("usage", "unknown", "--company", "acme");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("att-acme-1", run.Output, StringComparison.Ordinal);
        Assert.Contains("key-7", run.Output, StringComparison.Ordinal);
        Assert.Contains("1,234", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("att-globex-1", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageUnknown_NoneForTheCompany_SaysSoAndSucceeds()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("usage", "unknown", "--company", "acme");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("No attempt with an unknown outcome for acme.", run.Output, StringComparison.Ordinal);
    }

    private static Task<SdkHost> StartSdkAsync(ConsoleRun run)
    {
        var context = new CliContext { Out = run.Out, Error = run.Error, WorkingDirectory = run.WorkingDirectory, GetEnvironmentVariable = _ => null };
        return SdkHost.StartAsync(new SdkHostSettings { Store = StoreSettings.Sqlite(run.PathOf(StoreSettings.DefaultSqlitePath)) }, context, TestContext.Current.CancellationToken);
    }

    private static async Task<IReadOnlyList<UsageRecord>> LedgerRecordsAsync(ConsoleRun run, string companyId)
    {
        var context = new CliContext { Out = run.Out, Error = run.Error, WorkingDirectory = run.WorkingDirectory, GetEnvironmentVariable = _ => null };
        await using var sdk = await SdkHost.StartAsync(
            new SdkHostSettings { Store = StoreSettings.Sqlite(run.PathOf(StoreSettings.DefaultSqlitePath)) }, context, TestContext.Current.CancellationToken);
        return await sdk.Ledger.ListAsync(new UsageQuery(companyId), TestContext.Current.CancellationToken);
    }
}
