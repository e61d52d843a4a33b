using System.Globalization;
using BenchmarkDotNet.Attributes;
using InvoiceOcr.Sdk.Benchmarks.Support;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Sdk.Benchmarks.Micro;

/// <summary>
/// The SQLite store's share of one billed call (reserve, settle, and the usage row through the durable logger's group
/// commit) and the batched ledger write, under each <see cref="SqliteLedgerDurability"/>. The batch figure is per row
/// (256 rows per invocation). Run: <c>--filter '*SqliteLedgerBenchmarks*' --job short --inProcess</c>.
/// </summary>
[MemoryDiagnoser]
public class SqliteLedgerBenchmarks
{
    private const int BatchSize = 256;
    private SdkHost _host = null!;
    private IQuotaStore _quotas = null!;
    private IUsageLogger _logger = null!;
    private IUsageLedgerBatchWriter _ledger = null!;
    private long _next;

    [Params(SqliteLedgerDurability.SurvivesPowerLoss, SqliteLedgerDurability.SurvivesProcessCrash)]
    public SqliteLedgerDurability Durability { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await SdkHost.StartAsync(sqlite: true, configureServices: services => services.Configure<SqliteStoreOptions>(o => o.LedgerDurability = Durability));
        await _host.AddKeysAsync(1, _ => "test-key-bench-ledger-0001", new QuotaLimits { RequestsPerMinute = int.MaxValue });
        _quotas = _host.Services.GetRequiredService<IQuotaStore>();
        _logger = _host.Services.GetRequiredService<IUsageLogger>();
        _ledger = _host.Services.GetRequiredService<IUsageLedgerBatchWriter>();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _host.DisposeAsync();

    [Benchmark(Baseline = true, Description = "one call: reserve + settle + usage row (group commit)")]
    public async Task OneCall()
    {
        var reservation = await _quotas.ReserveAsync(new QuotaReservationRequest(SdkHost.KeyId(0), SdkHost.CompanyId(0), 10_000, TimeSpan.FromMinutes(10)), CancellationToken.None);
        await _quotas.SettleAsync(reservation.Reservation!.Id, 2_008, CancellationToken.None);
        await _logger.LogUsageAsync(Record(NextId()), CancellationToken.None);
    }

    [Benchmark(OperationsPerInvoke = BatchSize, Description = "ledger batch of 256, per row")]
    public Task<int> Batch()
    {
        var records = new UsageRecord[BatchSize];
        for (var i = 0; i < records.Length; i++)
        {
            records[i] = Record(NextId());
        }

        return _ledger.AppendBatchAsync(records, CancellationToken.None);
    }

    private string NextId() => "bench-" + (++_next).ToString(CultureInfo.InvariantCulture);

    private static UsageRecord Record(string id) => new()
    {
        Id = id,
        OperationId = id,
        CompanyId = SdkHost.CompanyId(0),
        KeyId = SdkHost.KeyId(0),
        Model = "gemini-2.5-flash",
        InputTokens = 1_912,
        OutputTokens = 96,
        TextTokens = 1_654,
        DocumentTokens = 258,
        TotalTokens = 2_008,
        StartedAt = DateTimeOffset.UtcNow,
        CompletedAt = DateTimeOffset.UtcNow,
        Outcome = UsageOutcome.Success,
    };
}
