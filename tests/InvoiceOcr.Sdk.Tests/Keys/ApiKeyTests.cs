namespace InvoiceOcr.Sdk.Tests.Keys;

public sealed class ApiKeyTests
{
    [Theory]
    [InlineData("test-key-abcdef-1234", "test…1234")]
    [InlineData("test-key-0000000000005678", "test…5678")]
    [InlineData("short-secret", "…")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Mask_Secret_ShowsOnlyFirstAndLastFour(string? secret, string expected)
    {
        Assert.Equal(expected, ApiKeySecrets.Mask(secret));
    }

    [Fact]
    public void ToString_Key_NeverContainsTheSecret()
    {
        var key = new ApiKey { Id = "k-1", CompanyId = "c-1", ProjectId = "p-1", Secret = "test-key-very-secret-9876" };

        var text = key.ToString();

        Assert.DoesNotContain("very-secret", text, StringComparison.Ordinal);
        Assert.Contains("test…9876", text, StringComparison.Ordinal);
        Assert.Equal("test…9876", key.MaskedSecret);
    }

    [Fact]
    public void ToString_LeaseAndFallback_NeverContainTheSecret()
    {
        var lease = new KeyLease { KeyId = "k-1", CompanyId = "c-1", Model = "m", Secret = "test-key-very-secret-9876" };
        var fallback = new FallbackApiKeyOptions { Id = "f-1", CompanyId = "c-1", Secret = "test-key-very-secret-9876" };

        Assert.DoesNotContain("very-secret", lease.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("very-secret", fallback.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "gemini-2.5-flash", true)]
    [InlineData(new[] { "gemini-2.5-pro", "GEMINI-2.5-FLASH" }, "gemini-2.5-flash", true)]
    [InlineData(new[] { "gemini-2.5-pro" }, "gemini-2.5-flash", false)]
    public void AllowsModel_AllowedModels_MatchesCaseInsensitivelyAndEmptyMeansAll(string[] allowed, string model, bool expected)
    {
        var key = new ApiKey { Id = "k", CompanyId = "c", ProjectId = "p", Secret = "test-key-x-0000", AllowedModels = allowed };

        Assert.Equal(expected, key.AllowsModel(model));
    }

    [Fact]
    public void RemainingTokens_LimitedKey_SubtractsUsedAndReserved()
    {
        var key = new ApiKey { Id = "k", CompanyId = "c", ProjectId = "p", Secret = "test-key-x-0000", LifetimeTokenLimit = 1000, TokensUsed = 700, TokensReserved = 200 };

        Assert.Equal(100, key.RemainingTokens);
        Assert.Null((key with { LifetimeTokenLimit = null }).RemainingTokens);
        Assert.Equal(0, (key with { TokensUsed = 1200 }).RemainingTokens);
    }
}
