using BenchmarkDotNet.Attributes;
using InvoiceOcr.Sdk.Benchmarks.Support;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Sdk.Benchmarks.Micro;

/// <summary>
/// One key lease and its settlement: pick the company's key, reserve quota, settle the billed tokens. The baseline is the
/// store's own reserve + settle for the same key, so the difference is the pool's selection and bookkeeping.
/// </summary>
[MemoryDiagnoser]
public class KeyAcquisitionBenchmarks : KeyAcquisitionBenchmarkBase
{
    /// <summary>Creates the in-memory variant.</summary>
    public KeyAcquisitionBenchmarks()
        : base(sqlite: false, rates: null)
    {
    }

    [Params(10, 1_000, 100_000)]
    public override int Companies { get; set; }
}

/// <summary>The same lease and settlement on the SQLite store: each reservation is one durable transaction.</summary>
[MemoryDiagnoser]
public class SqliteKeyAcquisitionBenchmarks : KeyAcquisitionBenchmarkBase
{
    /// <summary>Creates the SQLite variant (no per-minute limit, so the runs are not throttled).</summary>
    public SqliteKeyAcquisitionBenchmarks()
        : base(sqlite: true, rates: new QuotaLimits { RequestsPerMinute = int.MaxValue })
    {
    }

    [Params(10, 1_000)]
    public override int Companies { get; set; }
}

/// <summary>The set-up and the two measured operations, shared by the in-memory and SQLite variants.</summary>
public abstract class KeyAcquisitionBenchmarkBase
{
    private static readonly TokenUsage Billed = new() { InputTokens = 1_900, OutputTokens = 100, TotalTokens = 2_000 };
    private readonly bool _sqlite;
    private readonly QuotaLimits? _rates;
    private SdkHost _host = null!;
    private ITokenProvider _provider = null!;
    private IQuotaStore _quotas = null!;
    private int _next;

    private protected KeyAcquisitionBenchmarkBase(bool sqlite, QuotaLimits? rates)
    {
        _sqlite = sqlite;
        _rates = rates;
    }

    /// <summary>Gets or sets how many companies (one key each) the store holds.</summary>
    public abstract int Companies { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await SdkHost.StartAsync(_sqlite);
        await _host.AddKeysAsync(Companies, i => "test-key-bench-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), _rates);
        _provider = _host.Services.GetRequiredService<ITokenProvider>();
        _quotas = _host.Services.GetRequiredService<IQuotaStore>();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _host.DisposeAsync();

    [Benchmark(Baseline = true, Description = "store reserve + settle")]
    public async Task<QuotaSettlement?> StoreReserveSettle()
    {
        var i = Next();
        var result = await _quotas.ReserveAsync(new QuotaReservationRequest(SdkHost.KeyId(i), SdkHost.CompanyId(i), 10_000, TimeSpan.FromMinutes(10)), CancellationToken.None);
        return await _quotas.SettleAsync(result.Reservation!.Id, 2_000, CancellationToken.None);
    }

    [Benchmark(Description = "pool acquire + settle")]
    public async Task<KeyLease> AcquireSettle()
    {
        var i = Next();
        var lease = await _provider.AcquireAsync(new KeyLeaseRequest(SdkHost.CompanyId(i), "gemini-2.5-flash", 10_000), CancellationToken.None);
        await _provider.SettleAsync(lease, Billed, default, CancellationToken.None);
        return lease;
    }

    private int Next()
    {
        var i = _next;
        _next = i + 1 == Companies ? 0 : i + 1;
        return i;
    }
}
