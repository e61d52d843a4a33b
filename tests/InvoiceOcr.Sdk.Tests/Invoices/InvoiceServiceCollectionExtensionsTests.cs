using InvoiceOcr.Sdk.Invoices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Tests.Invoices;

public sealed class InvoiceServiceCollectionExtensionsTests
{
    [Fact]
    public void AddInvoiceServices_ResolvesSingletonsUsingTheRegisteredClockAndOptions()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2018, 3, 1, 0, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(clock);
        services.AddInvoiceServices().Configure(o => o.MaximumInvoiceDateDaysAhead = 0);
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var validator = provider.GetRequiredService<InvoiceValidator>();

        Assert.Same(validator, provider.GetRequiredService<InvoiceValidator>());
        Assert.NotNull(provider.GetRequiredService<EInvoiceReader>());
        Assert.NotNull(provider.GetRequiredService<InvoiceAccuracyScorer>());
        var invoice = new Invoice { InvoiceId = "1", InvoiceDate = new DateOnly(2018, 3, 5), Total = 1m, Currency = "EUR", Vendor = new InvoiceParty { Name = "V" } };
        Assert.Equal(InvoiceFindingCodes.InvoiceDateInFuture, Assert.Single(validator.Validate(invoice)).Code); // judged by the fake clock
    }

    [Fact]
    public void AddInvoiceServices_NegativeTolerance_FailsOptionsValidation()
    {
        var services = new ServiceCollection();
        services.AddInvoiceServices().Configure(o => o.AmountTolerance = -1m);
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<InvoiceValidationOptions>>().Value);
        Assert.Contains("AmountTolerance", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddInvoiceServices_CalledTwice_RegistersOnce()
    {
        var services = new ServiceCollection();
        services.AddInvoiceServices();
        services.AddInvoiceServices();

        Assert.Single(services, d => d.ServiceType == typeof(InvoiceValidator));
        Assert.Single(services, d => d.ServiceType == typeof(EInvoiceReader));
        Assert.Single(services, d => d.ServiceType == typeof(TimeProvider));
    }

    [Fact]
    public void AddInvoiceServices_WithoutLogging_StillResolvesTheReader()
    {
        var services = new ServiceCollection();
        services.AddInvoiceServices();
        using var provider = services.BuildServiceProvider();

        Assert.NotNull(provider.GetRequiredService<EInvoiceReader>());
        Assert.Null(provider.GetService<ILoggerFactory>());
    }
}
