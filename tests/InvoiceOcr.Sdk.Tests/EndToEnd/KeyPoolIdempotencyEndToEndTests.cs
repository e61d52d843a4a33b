using InvoiceOcr.Sdk.Invoices;
using InvoiceOcr.Sdk.Pipeline;
using InvoiceOcr.Emulator;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Tests.EndToEnd;

/// <summary>Replays with an idempotency key over HTTP: a succeeded extraction is never paid for twice.</summary>
public sealed class KeyPoolIdempotencyEndToEndTests
{
    private const string Company = "company-idempotency-e2e";
    private const string Secret = "test-key-e2e-idempotency-0001";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<EmulatedSdk> StartAsync(TimeProvider? time = null) => EmulatedSdk.StartAsync(
        emulator => emulator.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-a", Project = "project-a" }),
        options => options.EInvoiceMode = EInvoiceMode.ModelOnly,
        time);

    private static Task<InvoiceDocument> ReadAsync(string path = "zugferd/EN16931_Einfach.pdf") => InvoiceDocument.FromFileAsync(SharedData.Invoice(path), Ct);

    [Fact]
    public async Task ExtractAsync_ReplayAfterSuccess_ReturnsTheFirstResultWithoutASecondModelCall()
    {
        await using var sdk = await StartAsync();
        await sdk.AddKeyAsync(Company, "key-a", Secret, "project-a");
        var context = new ExtractionContext(Company) { IdempotencyKey = "upload-4711" };

        var first = await sdk.Extractor.ExtractAsync(await ReadAsync(), context, Ct);
        var replay = await sdk.Extractor.ExtractAsync(await ReadAsync(), context, Ct);

        Assert.False(first.IsReplay);
        Assert.True(replay.IsReplay);
        Assert.Equal(first.OperationId, replay.OperationId);
        Assert.Equal(first.ResponseId, replay.ResponseId);
        Assert.Equal(InvoiceJson.Serialize(first.Invoice), InvoiceJson.Serialize(replay.Invoice));
        Assert.Equal(1, sdk.Requests.Total);
        Assert.Single(sdk.Emulator.Ledger.Entries);
        Assert.Single(await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct));
        Assert.Equal(first.Usage.TotalTokens, (await sdk.Keys.GetAsync("key-a", Ct))!.TokensUsed);
    }

    [Fact]
    public async Task ExtractAsync_WithAndWithoutIdempotencyKey_StoresTheAnswerOnlyWhereALaterCallCanAskForIt()
    {
        await using var sdk = await StartAsync();
        await sdk.AddKeyAsync(Company, "key-a", Secret, "project-a");
        var operations = sdk.Services.GetRequiredService<IOperationStore>();

        var keyed = await sdk.Extractor.ExtractAsync(await ReadAsync(), new ExtractionContext(Company) { IdempotencyKey = "upload-kept" }, Ct);
        var unkeyed = await sdk.Extractor.ExtractAsync(await ReadAsync(), new ExtractionContext(Company), Ct);
        var keyedClaim = await operations.ClaimOperationAsync(new OperationClaim(keyed.OperationId, Company, null, TimeSpan.FromMinutes(1)), Ct);
        var unkeyedClaim = await operations.ClaimOperationAsync(new OperationClaim(unkeyed.OperationId, Company, null, TimeSpan.FromMinutes(1)), Ct);

        // Both operations are completed with their billed attempt; only the keyed one keeps the invoice for a replay.
        Assert.Equal(OperationClaimStatus.Completed, keyedClaim.Status);
        Assert.Equal(InvoiceJson.Serialize(keyed.Invoice), StoredOutcome.Deserialize(keyedClaim.Operation.OutcomeJson!).Invoice);
        Assert.Equal(OperationClaimStatus.Completed, unkeyedClaim.Status);
        Assert.Equal(StoredOutcome.NotKept, unkeyedClaim.Operation.OutcomeJson);
        Assert.Equal(2, (await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct)).Count);
    }

    [Fact]
    public async Task ExtractAsync_SameIdempotencyKeyForAnotherCompany_IsAnotherOperation()
    {
        await using var sdk = await StartAsync();
        await sdk.AddKeyAsync(Company, "key-a", Secret, "project-a");
        await sdk.AddKeyAsync("company-other", "key-other", Secret, "project-a");

        var first = await sdk.Extractor.ExtractAsync(await ReadAsync(), new ExtractionContext(Company) { IdempotencyKey = "upload-1" }, Ct);
        var other = await sdk.Extractor.ExtractAsync(await ReadAsync(), new ExtractionContext("company-other") { IdempotencyKey = "upload-1" }, Ct);

        Assert.NotEqual(first.OperationId, other.OperationId);
        Assert.False(other.IsReplay);
        Assert.Equal("key-other", other.KeyId);
        Assert.Equal(2, sdk.Requests.Total);
    }

    [Fact]
    public async Task ExtractAsync_ReplayWithAnotherDocument_FailsAsBadRequestWithoutAModelCall()
    {
        await using var sdk = await StartAsync();
        await sdk.AddKeyAsync(Company, "key-a", Secret, "project-a");
        var context = new ExtractionContext(Company) { IdempotencyKey = "upload-4712" };
        await sdk.Extractor.ExtractAsync(await ReadAsync(), context, Ct);

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(
            async () => await sdk.Extractor.ExtractAsync(await ReadAsync("zugferd/XRECHNUNG_Einfach.pdf"), context, Ct));

        Assert.Equal(InvoiceOcrErrorKind.BadRequest, error.Kind);
        Assert.Contains("idempotency key", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, sdk.Requests.Total);
    }

    [Fact]
    public async Task ExtractAsync_ReplayADayLater_IsAnsweredFromTheStoreWithoutAModelCall()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 5, 4, 9, 0, 0, TimeSpan.Zero));
        await using var sdk = await StartAsync(time);
        await sdk.AddKeyAsync(Company, "key-a", Secret, "project-a");
        var context = new ExtractionContext(Company) { IdempotencyKey = "upload-4713" };
        var first = await sdk.Extractor.ExtractAsync(await ReadAsync(), context, Ct);

        // The outcome lives in the operation row of the store, not in a cache that expires.
        time.Advance(TimeSpan.FromHours(25));
        var replay = await sdk.Extractor.ExtractAsync(await ReadAsync(), context, Ct);

        Assert.True(replay.IsReplay);
        Assert.Equal((first.ResponseId, first.KeyId, first.Usage.TotalTokens), (replay.ResponseId, replay.KeyId, replay.Usage.TotalTokens));
        Assert.Equal(InvoiceJson.Serialize(first.Invoice), InvoiceJson.Serialize(replay.Invoice));
        Assert.Equal(1, sdk.Requests.Total);
        Assert.Single(sdk.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task ExtractAsync_ReplayAfterABilledFailure_CallsTheModelAgainAndRecordsBothBilledCalls()
    {
        await using var sdk = await StartAsync();
        await sdk.AddKeyAsync(Company, "key-a", Secret, "project-a");
        sdk.Emulator.InjectFault(EmulatorFaultKind.MaxTokens, count: 1);
        var context = new ExtractionContext(Company) { IdempotencyKey = "upload-4714" };
        var failure = await Assert.ThrowsAsync<InvoiceOcrException>(async () => await sdk.Extractor.ExtractAsync(await ReadAsync(), context, Ct));
        Assert.Equal(InvoiceOcrErrorKind.OutputTruncated, failure.Kind);

        var replay = await sdk.Extractor.ExtractAsync(await ReadAsync(), context, Ct);

        Assert.False(replay.IsReplay);
        Assert.Equal(1, replay.Attempts);
        Assert.Equal(2, sdk.Requests.Total);
        var billed = sdk.Emulator.Ledger.Entries;
        Assert.Equal(2, billed.Count);
        var recorded = await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct);
        Assert.Equal(2, recorded.Count);
        Assert.Equal([1, 2], recorded.Select(r => r.Attempt).Order());
        Assert.All(recorded, r => Assert.Equal(replay.OperationId, r.OperationId));
        Assert.Equal(2, recorded.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(billed.Sum(e => (long)e.TotalTokenCount), recorded.Sum(r => r.TotalTokens));
        Assert.Equal(UsageOutcome.Success, recorded.Single(r => r.Attempt == 2).Outcome);

        // And now that it succeeded, a third call is a replay.
        var third = await sdk.Extractor.ExtractAsync(await ReadAsync(), context, Ct);
        Assert.True(third.IsReplay);
        Assert.Equal(2, sdk.Requests.Total);
    }
}
