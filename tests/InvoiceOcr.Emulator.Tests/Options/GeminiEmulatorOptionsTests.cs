using InvoiceOcr.TestSupport;
using Microsoft.Extensions.Configuration;

namespace InvoiceOcr.Emulator.Tests.Options;

public sealed class GeminiEmulatorOptionsTests
{
    [Fact]
    public void SampleConfigFile_BindsAndValidates()
    {
        var options = new GeminiEmulatorOptions();
        new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(SharedData.RepositoryRoot, "src", "InvoiceOcr.Emulator", "emulator.sample.json"))
            .Build()
            .Bind(options);

        options.Validate();

        Assert.Equal(8089, options.Port);
        Assert.Equal(42, options.Seed);
        Assert.Equal(4, options.Keys.Count);
        Assert.True(options.Keys.Single(k => k.Id == "revoked").Revoked);
        Assert.Equal(0.2, options.Keys.Single(k => k.Id == "beta-1").FaultRates[EmulatorFaultKind.Unavailable]);
        Assert.Equal(10, options.Projects["alpha"].RequestsPerMinute);
        Assert.Equal(EmulatorTier.Paid, options.Projects["beta"].Tier);
        Assert.Equal(3, options.Models.Count);
        Assert.Single(options.Answers);
        Assert.Equal(EmulatorFaultKind.Unavailable, Assert.Single(options.Faults.Script).Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.Faults.LatencyFixed);
        Assert.Equal(TimeSpan.FromSeconds(2), options.FileProcessingTime);
    }

    [Fact]
    public void Validate_DuplicateKey_ThrowsNamingTheKeyIdNotTheKey()
    {
        var options = new GeminiEmulatorOptions();
        options.Keys.Add(new EmulatorKeyOptions { Key = "test-key-dup", Project = "p" });
        options.Keys.Add(new EmulatorKeyOptions { Key = "test-key-dup", Id = "second", Project = "p" });

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("second", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("test-key-dup", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RatesOverOne_Throws()
    {
        var options = new GeminiEmulatorOptions();
        options.Faults.Rates[EmulatorFaultKind.Internal] = 0.7;
        options.Faults.Rates[EmulatorFaultKind.Unavailable] = 0.7;

        Assert.Contains("add up to", Assert.Throws<ArgumentException>(options.Validate).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-sha")]
    [InlineData("zz3124038dfb0000000000000000000000000000000000000000000000000000")]
    public void Validate_AnswerKeyNotSha256_Throws(string key)
    {
        var options = new GeminiEmulatorOptions();
        options.Answers[key] = "{}";

        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Fact]
    public void Validate_KeyWithoutProject_Throws()
    {
        var options = new GeminiEmulatorOptions();
        options.Keys.Add(new EmulatorKeyOptions { Key = "test-key-lonely" });

        Assert.Contains("Project", Assert.Throws<ArgumentException>(options.Validate).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EffectiveId_WithoutId_IsAFingerprintThatHidesTheKey()
    {
        var key = new EmulatorKeyOptions { Key = "test-key-secret-value", Project = "p" };

        Assert.Matches("^key-[0-9a-f]{8}$", key.EffectiveId);
        Assert.DoesNotContain("secret", key.EffectiveId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_BadListenAddress_Throws()
    {
        var options = new GeminiEmulatorOptions { ListenAddress = "localhost.invalid" };

        await Assert.ThrowsAsync<ArgumentException>(() => GeminiEmulator.StartAsync(options, cancellationToken: TestContext.Current.CancellationToken));
    }
}
