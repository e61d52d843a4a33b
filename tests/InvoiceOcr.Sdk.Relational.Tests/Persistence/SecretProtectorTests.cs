using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace InvoiceOcr.Sdk.Relational.Tests.Persistence;

public sealed class SecretProtectorTests : IDisposable
{
    private readonly TestDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _database.Dispose();

    private static SecretProtector Protector(string current = "k1", bool withSecond = false)
    {
        var options = new SecretProtectionOptions { CurrentKeyId = current };
        options.MasterKeys["k1"] = TestDatabase.MasterKey;
        if (withSecond)
        {
            options.MasterKeys["k2"] = TestDatabase.SecondMasterKey;
        }

        return new SecretProtector(options);
    }

    [Fact]
    public void Protect_ThenUnprotect_RoundTripsAndNeverContainsThePlaintext()
    {
        var protector = Protector();
        const string secret = "test-key-AbCdEf0123456789";

        var sealedSecret = protector.Protect(secret, "key-1");

        Assert.Equal("k1", sealedSecret.MasterKeyId);
        Assert.DoesNotContain(secret, Encoding.UTF8.GetString(sealedSecret.SealedBytes), StringComparison.Ordinal);
        Assert.Equal(secret, protector.Unprotect("k1", sealedSecret.SealedBytes, "key-1"));
        Assert.NotEqual(sealedSecret.SealedBytes, protector.Protect(secret, "key-1").SealedBytes); // Fresh nonce each time.
    }

    [Fact]
    public void Unprotect_CiphertextMovedToAnotherKeyOrTampered_FailsWithoutRevealingTheSecret()
    {
        var protector = Protector();
        var sealedBytes = protector.Protect("test-key-moved-0123456789", "key-1").SealedBytes;

        var moved = Assert.Throws<InvoiceOcrException>(() => protector.Unprotect("k1", sealedBytes, "key-2"));
        sealedBytes[^1] ^= 0xFF;
        var tampered = Assert.Throws<InvoiceOcrException>(() => protector.Unprotect("k1", sealedBytes, "key-1"));

        Assert.DoesNotContain("test-key", moved.Message, StringComparison.Ordinal);
        Assert.Contains("does not authenticate", tampered.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "CurrentKeyId is required")]
    [InlineData("missing", "is not among the configured MasterKeys")]
    public void Constructor_BadCurrentKey_Throws(string? current, string message)
    {
        var options = new SecretProtectionOptions { CurrentKeyId = current };
        options.MasterKeys["k1"] = TestDatabase.MasterKey;

        var error = Assert.Throws<ArgumentException>(() => new SecretProtector(options));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_KeyOfWrongLength_Throws()
    {
        var options = new SecretProtectionOptions { CurrentKeyId = "k1" };
        options.MasterKeys["k1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

        Assert.Throws<ArgumentException>(() => new SecretProtector(options));
    }

    [Fact]
    public async Task RotateSecretsAsync_NewCurrentMasterKey_ResealsEveryRowSoTheOldKeyCanBeRemoved()
    {
        var store = await _database.CreateStoreAsync();
        for (var i = 0; i < 3; i++)
        {
            await store.AddAsync(new ApiKey { Id = $"k-{i}", CompanyId = "c-1", ProjectId = "p-1", Secret = $"test-key-rotate-{i}-0123456789" }, Ct);
        }

        var rotating = new SqliteInvoiceOcrStore(_database.Options(o =>
        {
            o.SecretProtection.MasterKeys["k2"] = TestDatabase.SecondMasterKey;
            o.SecretProtection.CurrentKeyId = "k2";
        }));
        Assert.Equal(3, await rotating.RotateSecretsAsync(Ct));
        Assert.Equal(0, await rotating.RotateSecretsAsync(Ct));

        var onlyNewKey = new SqliteInvoiceOcrStore(_database.Options(o =>
        {
            o.SecretProtection.MasterKeys.Clear();
            o.SecretProtection.MasterKeys["k2"] = TestDatabase.SecondMasterKey;
            o.SecretProtection.CurrentKeyId = "k2";
        }));
        Assert.Equal("test-key-rotate-1-0123456789", (await onlyNewKey.GetAsync("k-1", Ct))!.Secret);
        var unreadable = await Assert.ThrowsAsync<InvoiceOcrException>(() => store.GetAsync("k-1", Ct));
        Assert.Contains("master key 'k2', which is not configured", unreadable.Message, StringComparison.Ordinal);

        await using var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False");
        await connection.OpenAsync(Ct);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM TokenMaster WHERE SecretKeyId = 'k2';";
        Assert.Equal(3L, await command.ExecuteScalarAsync(Ct));
    }

    [Theory]
    [InlineData("https://x/v1/models:generateContent?key=AIza" + "SyD-1234567890abcdefghijklmnopqrstu", "https://x/v1/models:generateContent?key=[redacted]")]
    [InlineData("x-goog-api-key: AIza" + "SyD-1234567890abcdefghijklmnopqrstu", "x-goog-api-key: [redacted]")]
    [InlineData("failed for test-key-abc_123 at 10:00", "failed for [redacted] at 10:00")]
    [InlineData("nothing secret here", "nothing secret here")]
    public void Scrub_KeyLikeText_IsRedacted(string text, string expected)
    {
        Assert.Equal(expected, SecretScrubber.Scrub(text));
    }
}
