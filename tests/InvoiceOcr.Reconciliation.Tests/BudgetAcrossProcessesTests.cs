using System.Globalization;
using InvoiceOcr.Sdk;
using Microsoft.Data.Sqlite;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// A hard monthly budget in money holds across processes: two OS processes, each an application registering the SDK
/// from the same settings file plus a budget for company c0 (<c>InvoiceOcr:Budgets:Companies:c0:MonthlyHardLimit</c>),
/// extract concurrently on one SQLite file. Each attempt reserves its maximum cost in the shared store before its request
/// leaves, so the money the service billed c0's keys never passes the budget, some calls are refused with
/// <see cref="InvoiceOcrErrorKind.BudgetExceeded"/>, and each refusal names the budget and the amount used.
/// </summary>
[Trait("Category", "Reconciliation")]
public sealed class BudgetAcrossProcessesTests
{
    private const decimal Budget = 0.01m;

    [Fact]
    public async Task ExtractAsync_TwoProcessesOneSqliteFileHardBudget_SpendNeverPassesBudgetAndRefusalNamesBudgetAndAmountUsed()
    {
        await using var run = await MultiProcessRun.StartAsync(seed: 20261204, workers: 2, calls: 96, concurrency: 6, busyTimeout: TimeSpan.FromSeconds(30), outboxReplayInterval: TimeSpan.FromMinutes(1), idempotent: false);
        // SpreadCompanies: both processes serve every company, so c0's calls race for its budget from two processes.
        string[] overrides = ["--InvoiceOcr:Budgets:Companies:c0:MonthlyHardLimit=" + Budget.ToString(CultureInfo.InvariantCulture), "--InvoiceOcr:Gemini:MaxOutputTokens=1024", "--Worker:SpreadCompanies=true"];
        // A smaller output cap makes an attempt's maximum cost (what it reserves) about 0.004 USD, so the budget is spent by
        // settled calls, not only held by calls in flight.
        var workers = new[] { run.StartWorker(0, [.. overrides]), run.StartWorker(1, [.. overrides]) };
        foreach (var worker in workers)
        {
            Assert.True(await worker.WaitForExitAsync(MultiProcessRun.WorkerTimeout) == 0, worker.Name + " failed:\n" + string.Join('\n', worker.Errors));
        }

        // What the service billed c0's keys, priced with the same list prices, never passes the budget.
        var prices = new PriceTable(Microsoft.Extensions.Options.Options.Create(new PricingOptions()));
        var billedC0 = run.Emulator.Ledger.Entries.Where(e => e.KeyId.StartsWith("c0-", StringComparison.Ordinal)).Sum(e => prices.Cost(e.Model, new TokenCounts(
            e.PromptTokenCount,
            e.PromptTokensByModality.GetValueOrDefault("TEXT"),
            e.PromptTokensByModality.GetValueOrDefault("IMAGE"),
            e.PromptTokensByModality.GetValueOrDefault("DOCUMENT"),
            e.CachedContentTokenCount,
            e.ToolUsePromptTokenCount,
            e.CandidatesTokenCount,
            e.ThoughtsTokenCount))!.Value.Amount);
        Assert.True(billedC0 <= Budget, $"The service billed c0 {billedC0} USD, past its budget of {Budget} USD.");
        Assert.True(billedC0 > 0, "c0 made no billed call.");

        // The store's month: spent (ledger costs plus unknown outcomes at their reservation) within the budget, nothing left reserved.
        var (spent, reserved) = await ReadMonthAsync(run.DatabasePath, "c0");
        var ledgerC0 = (await run.Store.ListAsync(new UsageQuery("c0"), CancellationToken.None)).Sum(r => r.Cost ?? 0);
        Assert.True(spent <= UsageCost.ToNanos(Budget), $"The store counted {spent} nano-USD spent, past the budget.");
        Assert.True(UsageCost.ToNanos(ledgerC0) <= spent, $"The ledger's {ledgerC0} USD is more than the store's spend {spent}.");
        Assert.Equal(0, reserved);

        // Calls were refused, each refusal a BudgetExceeded naming the budget and the amount used; other companies were not.
        var refusals = workers.SelectMany(w => w.Lines).Where(l => l.StartsWith("failure ", StringComparison.Ordinal) && l.Contains("budget", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(refusals);
        Assert.All(refusals, l => Assert.Contains("Your company's monthly AI budget of 0.01 USD", l, StringComparison.Ordinal));
        Assert.All(refusals, l => Assert.Matches(@"used up: [0-9]+\.[0-9]+ USD used so far", l));
        var refusedPerWorker = new List<int>();
        foreach (var worker in workers)
        {
            var ended = worker.Journal().Ended;
            refusedPerWorker.Add(ended.Count(e => e.Value[0] == "failed" && e.Value[1] == nameof(InvoiceOcrErrorKind.BudgetExceeded)));
            Assert.DoesNotContain(ended, e => CompanyOf(e.Key) != 0 && e.Value.Length > 1 && e.Value[1] == nameof(InvoiceOcrErrorKind.BudgetExceeded));
        }

        Assert.Equal(refusals.Count, refusedPerWorker.Sum());

        TestContext.Current.TestOutputHelper?.WriteLine(FormattableString.Invariant(
            $"c0: service billed {billedC0} USD, store spent {UsageCost.FromNanos(spent)} USD, ledger {ledgerC0} USD, budget {Budget} USD; {refusals.Count} refusals ({string.Join(" + ", refusedPerWorker)} per process)."));
    }

    /// <summary>The worker's company of call <paramref name="n"/> with SpreadCompanies and two workers.</summary>
    private static int CompanyOf(int n) => (n + (n / 2)) % ReconciliationHarness.Companies;

    private static async Task<(long Spent, long Reserved)> ReadMonthAsync(string databasePath, string companyId)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(SUM(SpentNanos), 0), COALESCE(SUM(ReservedNanos), 0) FROM BudgetMonths WHERE CompanyId = $c;";
        command.Parameters.AddWithValue("$c", companyId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
