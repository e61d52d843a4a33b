using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk.Tests.EndToEnd;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Sdk.Tests.Pipeline;

/// <summary>
/// The pipeline's three seams (<see cref="ITokenProvider"/>, <see cref="IRetryPolicy"/>, <see cref="IUsageLogger"/>), each
/// replaced through DI by a user's own implementation, over real HTTP against the emulator.
/// </summary>
public sealed class SeamReplacementTests
{
    private const string Company = "company-seams";
    private const string SecretA = "test-key-seams-alpha-0001";
    private const string SecretB = "test-key-seams-bravo-0002";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<InvoiceDocument> ReadDocumentAsync() => InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Einfach.pdf"), Ct);

    private static void TwoKeys(GeminiEmulatorOptions emulator)
    {
        emulator.Keys.Add(new EmulatorKeyOptions { Key = SecretA, Id = "emu-a", Project = "project-a" });
        emulator.Keys.Add(new EmulatorKeyOptions { Key = SecretB, Id = "emu-b", Project = "project-b" });
    }

    private static void ModelOnly(InvoiceOcrOptions options)
    {
        options.EInvoiceMode = EInvoiceMode.ModelOnly;
        options.KeyPool.RandomSeed = 7;
    }

    [Fact]
    public async Task ExtractAsync_UserTokenProvider_LeasesItsOwnKeyAndIsSettledWithTheBilledUsage()
    {
        var vault = new VaultTokenProvider("vault-1", SecretB);
        await using var sdk = await EmulatedSdk.StartAsync(TwoKeys, ModelOnly, configureServices: s => s.AddSingleton<ITokenProvider>(vault));

        // No key is in the SDK's store at all: the user's provider is the only source of keys.
        var result = await sdk.Extractor.ExtractAsync(await ReadDocumentAsync(), new ExtractionContext(Company), Ct);

        Assert.Equal("vault-1", result.KeyId);
        var settled = Assert.Single(vault.Settled);
        Assert.Equal((result.Usage.TotalTokens, UsageRecording.Recorded), (settled.Usage.TotalTokens, settled.Recorded.State));
        Assert.Empty(vault.Released);
        var row = Assert.Single(await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct));
        Assert.Equal(("vault-1", (long)result.Usage.TotalTokens), (row.KeyId, row.TotalTokens));
        Assert.Equal("emu-b", Assert.Single(sdk.Emulator.Ledger.Entries).KeyId);
    }

    [Fact]
    public async Task ExtractAsync_UserRetryPolicy_ItsDecisionIsWhatThePipelineDoes()
    {
        var policy = new FailOverOnServerErrors();
        await using var sdk = await EmulatedSdk.StartAsync(TwoKeys, ModelOnly, configureServices: s => s.AddSingleton<IRetryPolicy>(policy));
        await sdk.AddKeyAsync(Company, "key-a", SecretA, "project-a", weight: 1_000_000);
        await sdk.AddKeyAsync(Company, "key-b", SecretB, "project-b");
        sdk.Emulator.InjectFault(EmulatorFaultKind.Unavailable, count: 100, keyId: "emu-a");

        var result = await sdk.Extractor.ExtractAsync(await ReadDocumentAsync(), new ExtractionContext(Company), Ct);

        // The built-in policy would retry key A after a 503; this one fails over at once, and the pipeline obeys.
        Assert.Equal(("key-b", 2), (result.KeyId, result.Attempts));
        Assert.Equal(1, sdk.Requests.For(SecretA));
        var failure = Assert.Single(policy.Failures);
        Assert.Equal((InvoiceOcrErrorKind.ServerError, 1, 0, 0), (failure.Error.Kind, failure.Attempt, failure.Retries, failure.Failovers));
    }

    [Fact]
    public async Task ExtractAsync_UserUsageLoggerDecorator_SeesEveryBilledAttemptWhileTheLedgerStaysExact()
    {
        var forwarded = new List<UsageRecord>();
        await using var sdk = await EmulatedSdk.StartAsync(
            TwoKeys,
            ModelOnly,
            configureServices: s => new InvoiceOcrBuilderAccessor(s).Builder.DecorateUsageLogger((_, inner) => new ForwardingUsageLogger(inner, forwarded)));
        await sdk.AddKeyAsync(Company, "key-a", SecretA, "project-a");

        var result = await sdk.Extractor.ExtractAsync(await ReadDocumentAsync(), new ExtractionContext(Company), Ct);

        var seen = Assert.Single(forwarded);
        var row = Assert.Single(await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct));
        Assert.Equal((row.Id, row.TotalTokens), (seen.Id, seen.TotalTokens));
        Assert.Equal(result.Usage.TotalTokens, (await sdk.Keys.GetAsync("key-a", Ct))!.TokensUsed);
    }

    /// <summary>Gets the SDK's builder for a collection the SDK is already registered in (AddInvoiceOcr is idempotent).</summary>
    private sealed class InvoiceOcrBuilderAccessor(IServiceCollection services)
    {
        public InvoiceOcrBuilder Builder { get; } = services.AddInvoiceOcr();
    }

    /// <summary>A user's key source: one key from a vault, no quota bookkeeping of its own beyond what it is told.</summary>
    private sealed class VaultTokenProvider(string keyId, string secret) : ITokenProvider
    {
        public List<(TokenUsage Usage, RecordedUsage Recorded)> Settled { get; } = [];

        public List<string> Released { get; } = [];

        public Task<KeyLease> AcquireAsync(KeyLeaseRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new KeyLease { KeyId = keyId, CompanyId = request.CompanyId, ProjectId = "vault", Model = request.Model, Secret = secret, ReservationId = "vault-reservation", ReservedTokens = request.EstimatedTokens });

        public Task SettleAsync(KeyLease lease, TokenUsage usage, RecordedUsage recorded, CancellationToken cancellationToken)
        {
            Settled.Add((usage, recorded));
            return Task.CompletedTask;
        }

        public Task ReleaseAsync(KeyLease lease, CancellationToken cancellationToken)
        {
            Released.Add(lease.KeyId);
            return Task.CompletedTask;
        }

        public Task ReportFailureAsync(KeyLease lease, InvoiceOcrException error, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>A user's policy: a server error means "try another key now", never "wait and retry this one".</summary>
    private sealed class FailOverOnServerErrors : IRetryPolicy
    {
        public List<RetryFailure> Failures { get; } = [];

        public RetryDecision Decide(RetryFailure failure)
        {
            Failures.Add(failure);
            return failure.Error.Kind == InvoiceOcrErrorKind.ServerError && failure.Failovers < 3 ? RetryDecision.FailOver() : RetryDecision.GiveUp;
        }
    }

    /// <summary>A user's decorator: forwards to the built-in logger and keeps a copy of every billed attempt.</summary>
    private sealed class ForwardingUsageLogger(IUsageLogger inner, List<UsageRecord> forwarded) : IUsageLogger
    {
        public async ValueTask<RecordedUsage> LogUsageAsync(UsageRecord record, CancellationToken cancellationToken)
        {
            var recorded = await inner.LogUsageAsync(record, cancellationToken);
            forwarded.Add(record);
            return recorded;
        }

        public ValueTask LogRetryAttemptAsync(RetryAttemptRecord record, CancellationToken cancellationToken) => inner.LogRetryAttemptAsync(record, cancellationToken);
    }
}
