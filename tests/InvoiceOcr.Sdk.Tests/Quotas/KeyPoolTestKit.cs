using InvoiceOcr.Sdk.Diagnostics;
using InvoiceOcr.Sdk.Keys;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Tests.Quotas;

/// <summary>Builds a cheap key pool (store + provider) for tests that create thousands of them.</summary>
internal static class KeyPoolTestKit
{
    private static readonly ServiceProvider MetricsServices = BuildMetrics();

    public static (InMemoryInvoiceOcrStore Store, TokenProvider Tokens, FakeTimeProvider Time) Create(int seed)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 20, TimeSpan.Zero));
        var store = new InMemoryInvoiceOcrStore(time);
        var tokens = new TokenProvider(
            store,
            store,
            Options.Create(new KeyPoolOptions { RandomSeed = seed }),
            time,
            MetricsServices.GetRequiredService<InvoiceOcrMetrics>(),
            NullLogger<TokenProvider>.Instance);
        return (store, tokens, time);
    }

    private static ServiceProvider BuildMetrics()
    {
        // InvoiceOcrMetrics is internal; build it over a real meter factory.
        var services = new ServiceCollection().AddMetrics();
        services.AddSingleton<InvoiceOcrMetrics>();
        return services.BuildServiceProvider();
    }
}
