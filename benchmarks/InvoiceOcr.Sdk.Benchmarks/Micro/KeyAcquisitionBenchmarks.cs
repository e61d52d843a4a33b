using BenchmarkDotNet.Attributes;
using InvoiceOcr.Sdk.Benchmarks.Support;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Sdk.Benchmarks.Micro;

/// <summary>
/// One key lease and its settlement: pick the company's key, reserve quota, settle the billed tokens. The baseline is the
/// store's own reserve + settle for the same key, so the difference is the pool's selection and bookkeeping.
/// </summary>
[MemoryDiagnoser]
public class KeyAcquisitionBenchmarks
{
    private static readonly TokenUsage Billed = new() { InputTokens = 1_900, OutputTokens = 100, TotalTokens = 2_000 };
    private SdkHost _host = null!;
    private ITokenProvider _provider = null!;
    private IQuotaStore _quotas = null!;
    private int _next;

    [Params(10, 1_000, 100_000)]
    public int Companies { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await SdkHost.StartAsync(sqlite: false);
        await _host.AddKeysAsync(Companies, i => "test-key-bench-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
    public async Task<QuotaSettlement?> AcquireSettle()
    {
        var i = Next();
        var lease = await _provider.AcquireAsync(new KeyLeaseRequest(SdkHost.CompanyId(i), "gemini-2.5-flash", 10_000), CancellationToken.None);
        return await _provider.SettleAsync(lease, Billed, CancellationToken.None);
    }

    private int Next()
    {
        var i = _next;
        _next = i + 1 == Companies ? 0 : i + 1;
        return i;
    }
}

/// <summary>The same lease and settlement on the SQLite store: each reservation is one durable transaction.</summary>
[MemoryDiagnoser]
public class SqliteKeyAcquisitionBenchmarks
{
    private static readonly TokenUsage Billed = new() { InputTokens = 1_900, OutputTokens = 100, TotalTokens = 2_000 };
    private SdkHost _host = null!;
    private ITokenProvider _provider = null!;
    private IQuotaStore _quotas = null!;
    private int _next;

    [Params(10, 1_000)]
    public int Companies { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await SdkHost.StartAsync(sqlite: true);
        await _host.AddKeysAsync(Companies, i => "test-key-bench-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), new QuotaLimits { RequestsPerMinute = int.MaxValue });
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
    public async Task<QuotaSettlement?> AcquireSettle()
    {
        var i = Next();
        var lease = await _provider.AcquireAsync(new KeyLeaseRequest(SdkHost.CompanyId(i), "gemini-2.5-flash", 10_000), CancellationToken.None);
        return await _provider.SettleAsync(lease, Billed, CancellationToken.None);
    }

    private int Next()
    {
        var i = _next;
        _next = i + 1 == Companies ? 0 : i + 1;
        return i;
    }
}
