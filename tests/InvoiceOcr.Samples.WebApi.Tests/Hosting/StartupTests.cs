using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.WebApi.Tests.Hosting;

/// <summary>The app refuses to start with an unsafe or incomplete configuration, and says which setting to fix.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Start_ProductionWithoutAMasterKey_FailsNamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => WebApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:Sqlite:SecretProtection:CurrentKeyId"] = null,
            ["Storage:Sqlite:SecretProtection:MasterKeys:test"] = null,
        }));

        Assert.Contains("MasterKeys", error.Message, StringComparison.Ordinal);
        Assert.Contains("user-secrets", error.Message, StringComparison.Ordinal);
        Assert.Contains("--demo", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AdminKeyTooShort_FailsNamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => WebApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["Admin:ApiKey"] = "short",
        }));

        Assert.Contains("Admin:ApiKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_UnknownStorageProvider_Fails()
    {
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => WebApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Cassandra",
        }));
    }
}
