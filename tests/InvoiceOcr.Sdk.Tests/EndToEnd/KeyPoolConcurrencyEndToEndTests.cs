using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk.Documents;
using InvoiceOcr.Sdk.Extraction;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Tests.EndToEnd;

/// <summary>Many concurrent extractions over HTTP against one key's SDK-side limits: the reservation holds exactly.</summary>
public sealed class KeyPoolConcurrencyEndToEndTests
{
    private const string Company = "company-concurrency-e2e";
    private const string Secret = "test-key-e2e-concurrency-0001";
    private const int Callers = 64;
    private const int Rounds = 8;

    private static readonly DateTimeOffset Start = new(2026, 3, 10, 17, 0, 5, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ExtractAsync_64ConcurrentCallsAgainst10RequestsPerMinute_AdmitExactly10AndStayWithinTheTokenBudgetEveryRound()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time);
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Einfach.pdf"), Ct);
        var estimate = await EstimatePromptAsync(sdk, document);
        var tokenBudget = (10 * estimate) + (estimate / 2);
        await sdk.AddKeyAsync(new ApiKey
        {
            Id = "key-a",
            CompanyId = Company,
            Secret = Secret,
            ProjectId = "project-a",
            Rates = new QuotaLimits { RequestsPerMinute = 10, TokensPerMinute = tokenBudget },
        });

        for (var round = 0; round < Rounds; round++)
        {
            var billedBefore = sdk.Emulator.Ledger.Entries.Count;
            var (admitted, rejected) = await RunConcurrentAsync(sdk, document);

            Assert.Equal(10, admitted);
            Assert.Equal(Callers - 10, rejected.Count);
            // The sliding minute has room again when the 10 admitted calls leave it, 60 s after they were counted.
            var fits = time.GetUtcNow().AddMinutes(1);
            Assert.All(rejected, e =>
            {
                Assert.Equal(InvoiceOcrErrorKind.LocalQuotaExceeded, e.Kind);
                Assert.Equal(fits - time.GetUtcNow(), e.RetryAfter);
            });
            Assert.Equal(10, sdk.Emulator.Ledger.Entries.Count - billedBefore);
            await AssertWithinBudgetAsync(sdk, tokenBudget, billedBefore, requestLimit: 10);
            time.Advance(fits - time.GetUtcNow());
        }

        Assert.Equal(10 * Rounds, sdk.Requests.Total);
        Assert.Equal(10 * Rounds, (await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct)).Count);
        Assert.Equal(0, (await sdk.Keys.GetAsync("key-a", Ct))!.TokensReserved);
    }

    [Fact]
    public async Task ExtractAsync_64ConcurrentCallsAgainstATokenBudgetOfThreeReservations_NeverBillMoreThanTheBudget()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time);
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Einfach.pdf"), Ct);
        var estimate = await EstimatePromptAsync(sdk, document);
        var tokenBudget = (3 * estimate) + (estimate / 2);
        await sdk.AddKeyAsync(new ApiKey
        {
            Id = "key-a",
            CompanyId = Company,
            Secret = Secret,
            ProjectId = "project-a",
            Rates = new QuotaLimits { TokensPerMinute = tokenBudget },
        });

        for (var round = 0; round < Rounds; round++)
        {
            var billedBefore = sdk.Emulator.Ledger.Entries.Count;
            var (admitted, rejected) = await RunConcurrentAsync(sdk, document);

            // Settling returns the unused part of each reservation, so later callers may fit; the first three always do.
            Assert.InRange(admitted, 3, Callers);
            Assert.Equal(Callers - admitted, rejected.Count);
            Assert.All(rejected, e => Assert.Equal(InvoiceOcrErrorKind.LocalQuotaExceeded, e.Kind));
            Assert.All(rejected, e => Assert.NotNull(e.RetryAfter));
            Assert.Equal(admitted, sdk.Emulator.Ledger.Entries.Count - billedBefore);
            await AssertWithinBudgetAsync(sdk, tokenBudget, billedBefore, requestLimit: null);

            time.Advance(TimeSpan.FromMinutes(1));
        }
    }

    private static async Task<EmulatedSdk> StartAsync(FakeTimeProvider time) => await EmulatedSdk.StartAsync(
        emulator => emulator.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-a", Project = "project-a" }),
        options => options.EInvoiceMode = EInvoiceMode.ModelOnly,
        time);

    /// <summary>The prompt's estimate: what a call reserves in the per-minute token window (Google's TPM counts input tokens).</summary>
    private static async Task<long> EstimatePromptAsync(EmulatedSdk sdk, InvoiceDocument document)
    {
        var inspected = await sdk.Services.GetRequiredService<DocumentInspector>().InspectAsync(document, Ct);
        return InvoiceExtractor.EstimatePromptTokens(inspected);
    }

    private static async Task<(int Admitted, List<InvoiceOcrException> Rejected)> RunConcurrentAsync(EmulatedSdk sdk, InvoiceDocument document)
    {
        var calls = Enumerable.Range(0, Callers).Select(i => Task.Run(
            async () =>
            {
                try
                {
                    await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company) { RequestedBy = $"user-{i}" }, Ct);
                    return null;
                }
                catch (InvoiceOcrException ex)
                {
                    return ex;
                }
            },
            Ct)).ToArray();
        // Nothing here waits on the fake clock; the safety net turns an unexpected retry wait into a failure, not a hang.
        var outcomes = await Task.WhenAll(calls).WaitAsync(TimerAwareTimeProvider.SafetyNet, Ct);
        return (outcomes.Count(o => o is null), [.. outcomes.OfType<InvoiceOcrException>()]);
    }

    private static async Task AssertWithinBudgetAsync(EmulatedSdk sdk, long tokenBudget, int billedBefore, int? requestLimit)
    {
        var window = await sdk.Services.GetRequiredService<IQuotaStore>().GetWindowUsageAsync(QuotaScope.Key, "key-a", Ct);
        Assert.InRange(window.MinuteTokens, 1, tokenBudget);
        if (requestLimit is { } limit)
        {
            Assert.Equal(limit, window.MinuteRequests);
        }

        // The per-minute token limit counts input tokens: the window holds exactly the prompt tokens the service billed.
        var billed = sdk.Emulator.Ledger.Entries.Skip(billedBefore).Sum(e => (long)e.PromptTokenCount);
        Assert.InRange(billed, 1, tokenBudget);
        Assert.Equal(billed, window.MinuteTokens);
        Assert.Equal(sdk.Emulator.Ledger.Entries.Sum(e => (long)e.TotalTokenCount), window.DayTokens);
        Assert.Equal(0, (await sdk.Keys.GetAsync("key-a", Ct))!.TokensReserved);
    }
}
