using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Sqlite.Tests.EndToEnd;

/// <summary>
/// Two SDK instances on one SQLite file: A's billed success cannot reach the store and waits in A's durable outbox past its
/// operation's claim lifetime. B, asked for the same idempotency key meanwhile, must not call the model a second time: the
/// attempt journaled in the store holds the operation's claim until the attempt's expiry (its reservation's), and once A's
/// outbox is replayed B answers from the stored outcome.
/// </summary>
public sealed class SqliteOutboxedSuccessTests
{
    private const string Secret = "test-key-sqlite-outboxed-0001";

    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 20, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ExtractAsync_SameKeyWhileTheFirstSuccessWaitsInAnotherInstancesOutboxPastItsClaim_IsRefusedThenAnsweredFromTheStore()
    {
        using var database = new TestDatabase();
        var emulatorOptions = new GeminiEmulatorOptions();
        emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-key", Project = "project-a" });
        await using var emulator = await GeminiEmulator.StartAsync(emulatorOptions, cancellationToken: Ct);
        var clock = new FakeTimeProvider(Start);
        var cut = new StoreCut(database.DatabasePath);
        using var a = await StartInstanceAsync(database, emulator, clock, "a", cut);
        using var b = await StartInstanceAsync(database, emulator, clock, "b", null);
        await a.Services.GetRequiredService<IApiKeyStore>().AddAsync(
            new ApiKey { Id = "key-1", CompanyId = "acme", Secret = Secret, ProjectId = "project-a" }, Ct);
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Rabatte.pdf"), Ct);
        var context = new ExtractionContext("acme") { IdempotencyKey = "order-42" };

        // A: claimed, journaled and sent while the store is up; the store is gone when the billed answer comes back, so the
        // ledger row, the settlement and the operation's completion wait in A's outbox.
        cut.Armed = true;
        var first = await a.Services.GetRequiredService<IInvoiceExtractor>().ExtractAsync(document, context, Ct);
        cut.Restore();
        Assert.Single(emulator.Ledger.Entries);
        Assert.Equal(1, a.Services.GetRequiredService<DurableUsageLogger>().UsageRecordsDiverted);

        // Past the claim's own lifetime (total timeout + 1 minute), before the attempt's expiry (reservation time to live).
        clock.Advance(TimeSpan.FromMinutes(7));
        var refused = await Assert.ThrowsAsync<InvoiceOcrException>(
            () => b.Services.GetRequiredService<IInvoiceExtractor>().ExtractAsync(document, context, Ct));

        Assert.Equal(InvoiceOcrErrorKind.OperationInProgress, refused.Kind);
        Assert.NotNull(refused.RetryAfter);
        Assert.Single(emulator.Ledger.Entries); // B did not call the model.

        Assert.Equal(1, await a.Services.GetRequiredService<DurableUsageLogger>().ReplayOutboxAsync(Ct));
        var answered = await b.Services.GetRequiredService<IInvoiceExtractor>().ExtractAsync(document, context, Ct);

        Assert.True(answered.IsReplay);
        Assert.Equal(first.ResponseId, answered.ResponseId);
        Assert.Equal(first.Invoice.InvoiceId, answered.Invoice.InvoiceId);
        var billed = Assert.Single(emulator.Ledger.Entries);
        var row = Assert.Single(await b.Services.GetRequiredService<IUsageLedger>().ListAsync(new UsageQuery("acme"), Ct));
        Assert.Equal((billed.ResponseId, (long)billed.TotalTokenCount), (row.ResponseId, row.TotalTokens));
        var key = (await b.Services.GetRequiredService<IApiKeyStore>().GetAsync("key-1", Ct))!;
        Assert.Equal(((long)billed.TotalTokenCount, 0L), (key.TokensUsed, key.TokensReserved));

        await a.StopAsync(Ct);
        await b.StopAsync(Ct);
        SqliteConnection.ClearAllPools();
    }

    private static async Task<IHost> StartInstanceAsync(TestDatabase database, GeminiEmulator emulator, FakeTimeProvider clock, string name, StoreCut? cut)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddInvoiceOcr(o =>
        {
            o.Gemini.BaseAddress = emulator.BaseAddress;
            o.EInvoiceMode = EInvoiceMode.ModelOnly;
            o.KeyPool.ReservationReclaimInterval = TimeSpan.FromHours(1); // No background pass runs in the 7 minutes.
        }).AddSqliteStore(database.DatabasePath, o =>
        {
            TestDatabase.Configure(o);
            o.Pooling = false; // So a moved file really is unreachable for the next connection.
            o.OutboxDirectory = Path.Combine(database.Directory, "outbox-" + name);
            o.OutboxReplayInterval = TimeSpan.FromDays(1); // Replayed by hand.
            o.Retention.ApplicationLogs = null;
            o.Retention.RetryAttempts = null;
        });
        if (cut is not null)
        {
            builder.Services.AddHttpClient(InvoiceOcrTelemetry.GeminiHttpClientName).AddHttpMessageHandler(() => new CutStoreAfterAnswer(cut));
        }

        var host = builder.Build();
        await host.StartAsync(Ct);
        return host;
    }

    /// <summary>Moves the database file away (the store becomes unreachable) and back.</summary>
    private sealed class StoreCut(string path)
    {
        public bool Armed { get; set; }

        public void Cut()
        {
            Armed = false;
            File.Move(path, path + ".away");
        }

        public void Restore() => File.Move(path + ".away", path);
    }

    /// <summary>Cuts the store once the model's billed answer has arrived, before the SDK records it.</summary>
    private sealed class CutStoreAfterAnswer(StoreCut cut) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (cut.Armed && request.RequestUri?.AbsolutePath.Contains(":generateContent", StringComparison.Ordinal) == true)
            {
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                cut.Cut();
            }

            return response;
        }
    }
}
