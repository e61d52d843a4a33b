using InvoiceOcr.Sdk.Gemini;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Tests.Gemini;

public sealed class GeminiOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedValuesAndValid()
    {
        var options = new GeminiOptions();

        Assert.Equal(new Uri("https://generativelanguage.googleapis.com/"), options.BaseAddress);
        Assert.Equal("v1beta", options.ApiVersion);
        Assert.Equal("gemini-2.5-flash", options.Model);
        Assert.Equal(20L * 1024 * 1024, options.InlineDataLimitBytes);
        Assert.Equal(8192, options.MaxOutputTokens);
        Assert.Equal(0, options.Temperature);
        Assert.Equal(TimeSpan.FromSeconds(1), options.FilePollInterval);
        Assert.Equal(TimeSpan.FromMinutes(2), options.FileProcessingTimeout);
        Assert.False(options.AllowPlainHttp);
        Assert.True(Validate(options).Succeeded);
    }

    [Theory]
    [InlineData("Model", "models/gemini-2.5-flash", "Gemini:Model")]
    [InlineData("Model", "", "Model")]
    [InlineData("ApiVersion", "beta", "Gemini:ApiVersion")]
    [InlineData("MaxOutputTokens", "0", "MaxOutputTokens: The field GeminiOptions.MaxOutputTokens must be between")]
    [InlineData("Temperature", "2.5", "Temperature: The field GeminiOptions.Temperature must be between")]
    [InlineData("InlineDataLimitBytes", "0", "InlineDataLimitBytes: The field GeminiOptions.InlineDataLimitBytes must be between")]
    [InlineData("BaseAddress", "ftp://example.test/", "Gemini:BaseAddress")]
    [InlineData("BaseAddress", "https://example.test/?key=test-key-in-url", "Gemini:BaseAddress")]
    [InlineData("FileProcessingTimeout", "00:00:00.5", "Gemini:FileProcessingTimeout")]
    [InlineData("FilePollInterval", "00:00:00", "FilePollInterval: The field GeminiOptions.FilePollInterval must be between")]
    public void Validate_BadSetting_FailsNamingTheSetting(string property, string value, string expectedName)
    {
        var options = new GeminiOptions();
        switch (property)
        {
            case "Model": options.Model = value; break;
            case "ApiVersion": options.ApiVersion = value; break;
            case "MaxOutputTokens": options.MaxOutputTokens = int.Parse(value); break;
            case "Temperature": options.Temperature = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "InlineDataLimitBytes": options.InlineDataLimitBytes = long.Parse(value); break;
            case "BaseAddress": options.BaseAddress = new Uri(value); break;
            case "FileProcessingTimeout": options.FileProcessingTimeout = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "FilePollInterval": options.FilePollInterval = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
        }

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains(expectedName, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:5099/")]
    [InlineData("http://127.0.0.1:8080/gemini/")]
    [InlineData("http://127.5.6.7/")]
    [InlineData("http://[::1]:5099/")]
    [InlineData("https://gemini-proxy.internal.test/")]
    public void Validate_HttpsOrLoopbackHttpBaseAddress_Succeeds(string address)
    {
        Assert.True(Validate(new GeminiOptions { BaseAddress = new Uri(address) }).Succeeded);
    }

    [Theory]
    [InlineData("http://gemini-proxy.internal.test/")]
    [InlineData("http://10.0.0.5:8080/")]
    [InlineData("http://localhost.example.test/")]
    [InlineData("http://[2001:db8::1]/")]
    public void Validate_PlainHttpToOtherHost_FailsNamingBothSettings(string address)
    {
        var result = Validate(new GeminiOptions { BaseAddress = new Uri(address) });

        Assert.True(result.Failed);
        Assert.Contains("Gemini:BaseAddress", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Gemini:AllowPlainHttp", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("not a loopback host", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PlainHttpToOtherHostWhenAllowed_Succeeds()
    {
        var options = new GeminiOptions { BaseAddress = new Uri("http://gemini-proxy.internal.test/"), AllowPlainHttp = true };

        Assert.True(Validate(options).Succeeded);
    }

    [Fact]
    public void AddInvoiceOcrGeminiClient_PlainHttpToOtherHost_FailsResolutionNamingTheSetting()
    {
        var services = new ServiceCollection();
        services.AddInvoiceOcrGeminiClient();
        services.Configure<GeminiOptions>(o => o.BaseAddress = new Uri("http://gemini-proxy.internal.test/"));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GeminiOptions>>().Value);

        Assert.Contains("Gemini:BaseAddress", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RelativeBaseAddress_Fails()
    {
        var result = Validate(new GeminiOptions { BaseAddress = new Uri("/gemini", UriKind.Relative) });

        Assert.True(result.Failed);
        Assert.Contains("Gemini:BaseAddress", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void AddInvoiceOcrGeminiClient_InvalidOptions_FailResolutionNamingTheSetting()
    {
        var services = new ServiceCollection();
        services.AddInvoiceOcrGeminiClient();
        services.Configure<GeminiOptions>(o => o.Model = "bad model");
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GeminiOptions>>().Value);

        Assert.Contains("Gemini:Model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddInvoiceOcrGeminiClient_RegistersNamedClientWithBaseAddressAndTypedClient()
    {
        var services = new ServiceCollection();
        services.AddInvoiceOcrGeminiClient();
        services.Configure<GeminiOptions>(o => o.BaseAddress = new Uri("http://localhost:5099/"));
        using var provider = services.BuildServiceProvider();

        using var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient(GeminiClient.HttpClientName);

        Assert.Equal(new Uri("http://localhost:5099/"), http.BaseAddress);
        Assert.NotNull(provider.GetRequiredService<GeminiClient>());
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.Equal("InvoiceOcr.Gemini", GeminiClient.HttpClientName);
    }

    [Fact]
    public void AddInvoiceOcrGeminiClient_CalledTwice_RegistersValidatorsOnce()
    {
        var services = new ServiceCollection();
        services.AddInvoiceOcrGeminiClient();
        services.AddInvoiceOcrGeminiClient();
        using var provider = services.BuildServiceProvider();

        Assert.Equal(2, provider.GetServices<IValidateOptions<GeminiOptions>>().Count());
    }

    private static ValidateOptionsResult Validate(GeminiOptions options)
    {
        var annotations = new GeminiOptionsValidator().Validate(Options.DefaultName, options);
        var rules = new GeminiOptionsRulesValidator().Validate(Options.DefaultName, options);
        var failures = (annotations.Failures ?? []).Concat(rules.Failures ?? []).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
