using System.Diagnostics;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace InvoiceOcr.Sdk.Caching.Tests.Redis;

/// <summary>The result cache with Redis as its second level: shared between SDK hosts, and bypassed when Redis dies.</summary>
public sealed class SharedRedisTests
{
    private const string Company = "company-redis";
    private static CancellationToken Ct => CacheHost.Ct;

    [Fact]
    public async Task ExtractAsync_SecondHostSharingRedis_GetsTheFirstHostsResultWithNoModelCall()
    {
        await using var emulator = await CacheHost.StartEmulatorAsync();

        // A fresh key prefix per run keeps runs apart on the shared Redis.
        var prefix = $"invoiceocr-test-{Guid.NewGuid():N}:";
        void Shared(ResultCacheOptions options)
        {
            options.RedisConfiguration = RedisServerProcess.SharedConfiguration;
            options.RedisInstanceName = prefix;

            // Generous: a cold test process must not take a slow first write for an outage (that is the other test).
            options.RedisTimeout = TimeSpan.FromSeconds(5);
        }

        await using var first = await CacheHost.StartAsync(emulator, Company, Shared);
        await using var second = await CacheHost.StartAsync(emulator, Company, Shared);
        var document = await CacheHost.DocumentAsync();

        var paid = await first.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);
        var billedAfterFirst = emulator.Ledger.Entries.Count;
        Assert.True(billedAfterFirst == 1, await CacheHost.DescribeBillingAsync(emulator, Company, first));

        // No wait: an extraction returns once its result is in Redis, so the next host asking right after it pays nothing.
        var shared = await second.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);

        Assert.True(emulator.Ledger.Entries.Count == billedAfterFirst, await CacheHost.DescribeBillingAsync(emulator, Company, first, second));
        Assert.Equal(ExtractionCacheStatus.Hit, shared.CacheStatus);
        Assert.Equal(paid.OperationId, shared.OperationId);
        Assert.Equal(0, await second.LedgerRowsAsync(Company));
        Assert.Equal(HealthStatus.Healthy, (await second.ReadinessAsync()).Status);
    }

    [Fact]
    public async Task ExtractAsync_SecondOsProcessSharingRedis_GetsTheFirstProcesssResultWithNoModelCall()
    {
        await using var emulator = await CacheHost.StartEmulatorAsync();
        var prefix = $"invoiceocr-test-{Guid.NewGuid():N}:";
        await using var first = await CacheHost.StartAsync(emulator, Company, options =>
        {
            options.RedisConfiguration = RedisServerProcess.SharedConfiguration;
            options.RedisInstanceName = prefix;

            // Generous: a cold test process must not take a slow first write for an outage (that is the other test).
            options.RedisTimeout = TimeSpan.FromSeconds(5);
        });
        var paid = await first.Extractor.ExtractAsync(await CacheHost.DocumentAsync(), new ExtractionContext(Company), Ct);
        Assert.True(emulator.Ledger.Entries.Count == 1, await CacheHost.DescribeBillingAsync(emulator, Company, first));

        var output = await RunHostAsync(
            emulator.BaseAddress.ToString(), RedisServerProcess.SharedConfiguration, prefix, Company, CacheHost.Secret, SharedData.Invoice("zugferd/EN16931_Einfach.pdf"));

        Assert.Equal($"cache=Hit operation={paid.OperationId} ledger=0", output);
        Assert.Single(emulator.Ledger.Entries);
    }

    [Fact]
    public async Task ExtractAsync_RedisHoldsWritesBack_ReturnsOnlyOnceTheResultIsSharedSoTheNextHostPaysNothing()
    {
        using var redis = await RedisServerProcess.StartAsync();
        await using var emulator = await CacheHost.StartEmulatorAsync();
        void Shared(ResultCacheOptions options)
        {
            options.RedisConfiguration = redis.Configuration;
            options.RedisTimeout = TimeSpan.FromSeconds(5);
        }

        await using var first = await CacheHost.StartAsync(emulator, Company, Shared);
        await using var second = await CacheHost.StartAsync(emulator, Company, Shared);
        var document = await CacheHost.DocumentAsync();
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");

        // Redis holds every write back for 3 s and serves reads: a slow write, as a loaded machine makes it. HybridCache writes
        // Redis after handing the caller the value, so the first host used to return with its write still held back, and the
        // second host, asking right after, missed and paid too (the CI flake: 2 billed calls).
        await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync("CLIENT", "PAUSE", "3000", "WRITE");

        var paid = await first.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);
        var shared = await second.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);

        Assert.True(emulator.Ledger.Entries.Count == 1, await CacheHost.DescribeBillingAsync(emulator, Company, first, second));
        Assert.Equal((ExtractionCacheStatus.Hit, paid.OperationId), (shared.CacheStatus, shared.OperationId));
        Assert.Equal(0, await second.LedgerRowsAsync(Company));
    }

    [Fact]
    public async Task ExtractAsync_RedisKilledMidRun_ExtractionsGoOnReadinessIsDegradedAndEveryBilledCallIsInTheLedger()
    {
        using var redis = await RedisServerProcess.StartAsync();
        await using var emulator = await CacheHost.StartEmulatorAsync();
        await using var host = await CacheHost.StartAsync(emulator, Company, options =>
        {
            options.RedisConfiguration = redis.Configuration;
            options.RedisTimeout = TimeSpan.FromMilliseconds(500);
        });
        string[] names = ["EN16931_Einfach.pdf", "EN16931_Miete.pdf", "EN16931_Gutschrift.pdf"];
        var before = await host.Extractor.ExtractAsync(await CacheHost.DocumentAsync(names[0]), new ExtractionContext(Company), Ct);
        Assert.Equal(HealthStatus.Healthy, (await host.ReadinessAsync()).Status);

        redis.Kill();

        var results = new List<InvoiceExtractionResult> { before };
        foreach (var name in names.Skip(1))
        {
            results.Add(await host.Extractor.ExtractAsync(await CacheHost.DocumentAsync(name), new ExtractionContext(Company), Ct));
        }

        // The document extracted before the outage is still served by the in-process level.
        var again = await host.Extractor.ExtractAsync(await CacheHost.DocumentAsync(names[0]), new ExtractionContext(Company), Ct);
        var readiness = await host.ReadinessAsync();

        Assert.Equal(ExtractionCacheStatus.Hit, again.CacheStatus);
        Assert.All(results, r => Assert.Equal(ExtractionCacheStatus.None, r.CacheStatus));
        Assert.Equal(HealthStatus.Degraded, readiness.Status);
        Assert.Equal(3, emulator.Ledger.Entries.Count);
        Assert.Equal(emulator.Ledger.Entries.Count, await host.LedgerRowsAsync(Company));
    }

    private static async Task<string> RunHostAsync(params string[] arguments)
    {
        // tests/InvoiceOcr.Sdk.Caching.Tests/bin/<Configuration>/<tfm> -> tests/InvoiceOcr.Sdk.Caching.TestHost/bin/<Configuration>/<tfm>
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var host = Path.Combine(baseDir.Parent!.Parent!.Parent!.Parent!.FullName, "InvoiceOcr.Sdk.Caching.TestHost", "bin", baseDir.Parent.Name, baseDir.Name, "InvoiceOcr.Sdk.Caching.TestHost.dll");
        Assert.True(File.Exists(host), "The test host was not built at " + host);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(host);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(process.ExitCode == 0, $"The test host failed ({process.ExitCode}): {await stderr}");
        return (await stdout).Trim();
    }
}
