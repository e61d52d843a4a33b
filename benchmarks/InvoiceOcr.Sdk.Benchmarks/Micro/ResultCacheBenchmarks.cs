using BenchmarkDotNet.Attributes;
using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk.Benchmarks.Support;
using InvoiceOcr.Sdk.Caching;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Sdk.Benchmarks.Micro;

/// <summary>
/// What a result-cache hit costs next to the model call it saves. Baseline: <see cref="IInvoiceExtractor.ExtractAsync"/> with
/// no cache, through the in-process emulator on loopback (zero model latency, so the baseline is the SDK's own cost plus
/// loopback HTTP; a real Gemini call adds seconds). Then a hit in the in-process level, and a hit read from Redis with the
/// in-process level off (the Redis that eng/prerequisites/redis.sh starts, at 127.0.0.1:56379). Every hit hashes the
/// document (SHA-256), deserializes the invoice and re-validates it.
/// </summary>
[MemoryDiagnoser]
public class ResultCacheBenchmarks
{
    private const string Company = "company-cache-bench";
    private const string Secret = "test-key-cache-bench-0001";

    private GeminiEmulator _emulator = null!;
    private ServiceProvider _plain = null!;
    private ServiceProvider _memory = null!;
    private ServiceProvider _redis = null!;
    private InvoiceDocument _document = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var emulatorOptions = new GeminiEmulatorOptions();
        emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-cache-bench", Project = "p-cache-bench" });
        _emulator = await GeminiEmulator.StartAsync(emulatorOptions).ConfigureAwait(false);
        _document = InvoiceDocument.FromBytes(BenchmarkPdf.Create(), "bench.pdf");
        _plain = await StartAsync(null).ConfigureAwait(false);
        _memory = await StartAsync(_ => { }).ConfigureAwait(false);
        _redis = await StartAsync(options =>
        {
            options.RedisConfiguration = Environment.GetEnvironmentVariable("INVOICEOCR_REDIS") ?? "127.0.0.1:56379";
            options.RedisInstanceName = $"invoiceocr-bench-{Guid.NewGuid():N}:";
            options.UseLocalLevel = false;
            options.RedisTimeout = TimeSpan.FromSeconds(5);
        }).ConfigureAwait(false);

        // Fill both caches once; every later call is a hit.
        await Extract(_memory).ConfigureAwait(false);
        await Extract(_redis).ConfigureAwait(false);
        var hit = await _redis.GetRequiredService<IInvoiceExtractor>().ExtractAsync(_document, new ExtractionContext(Company)).ConfigureAwait(false);
        if (hit.CacheStatus != ExtractionCacheStatus.Hit)
        {
            throw new InvalidOperationException("The Redis cache did not serve a hit: is Redis running (eng/prerequisites/redis.sh)?");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _plain.DisposeAsync().ConfigureAwait(false);
        await _memory.DisposeAsync().ConfigureAwait(false);
        await _redis.DisposeAsync().ConfigureAwait(false);
        await _emulator.DisposeAsync().ConfigureAwait(false);
    }

    [Benchmark(Baseline = true, Description = "model call (emulator, no cache)")]
    public Task<int> ModelCall() => Extract(_plain);

    [Benchmark(Description = "cache hit, in-process level")]
    public Task<int> InMemoryHit() => Extract(_memory);

    [Benchmark(Description = "cache hit, Redis level")]
    public Task<int> RedisHit() => Extract(_redis);

    private async Task<int> Extract(ServiceProvider services) =>
        (await services.GetRequiredService<IInvoiceExtractor>().ExtractAsync(_document, new ExtractionContext(Company)).ConfigureAwait(false)).Findings.Count;

    private async Task<ServiceProvider> StartAsync(Action<ResultCacheOptions>? cache)
    {
        var services = new ServiceCollection();
        var builder = services.AddInvoiceOcr(options =>
        {
            options.Gemini.BaseAddress = _emulator.BaseAddress;
            options.EInvoiceMode = EInvoiceMode.ModelOnly;
        });
        if (cache is not null)
        {
            builder.AddResultCache(cache);
        }

        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IApiKeyStore>().AddAsync(
            new ApiKey { Id = "key-cache-bench", CompanyId = Company, ProjectId = "p-cache-bench", Secret = Secret, Rates = QuotaLimits.None },
            CancellationToken.None).ConfigureAwait(false);
        return provider;
    }
}
