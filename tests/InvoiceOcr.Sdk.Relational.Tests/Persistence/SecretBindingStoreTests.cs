using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace InvoiceOcr.Sdk.Relational.Tests.Persistence;

/// <summary>Secrets bound to key, company and project in a real store (SQLite): moved rows fail alone, legacy rows are re-sealed.</summary>
public sealed class SecretBindingStoreTests : IDisposable
{
    private readonly TestDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task ListByCompanyAsync_KeyRowMovedToAnotherCompany_DoesNotDecryptThereAndIsDisabledWithAReason()
    {
        var store = await _database.CreateStoreAsync();
        await store.AddAsync(Key("k-1", "c-1"), Ct);
        await store.AddAsync(Key("k-2", "c-2"), Ct);

        await ExecuteAsync("UPDATE TokenMaster SET CompanyId = 'c-2' WHERE TokenId = 'k-1';");

        var keys = await store.ListByCompanyAsync("c-2", Ct);
        Assert.Equal(["k-2"], keys.Select(k => k.Id));
        var transition = Assert.Single(await store.ListStatusTransitionsAsync("k-1", Ct));
        Assert.Equal((ApiKeyStatus.Active, ApiKeyStatus.Disabled), (transition.From, transition.To));
        Assert.Contains("does not decrypt", transition.Reason, StringComparison.Ordinal);
        Assert.Null(await store.GetAsync("k-1", Ct));
    }

    [Fact]
    public async Task ListByCompanyAsync_OneUndecryptableRow_DisablesThatKeyAndTheOthersKeepWorking()
    {
        var store = await _database.CreateStoreAsync();
        await store.AddAsync(Key("k-1", "c-1"), Ct);
        await store.AddAsync(Key("k-2", "c-1"), Ct);

        // k-2's ciphertext copied onto k-1's row: bound to k-2, it does not authenticate as k-1.
        await ExecuteAsync("UPDATE TokenMaster SET SecretCiphertext = (SELECT SecretCiphertext FROM TokenMaster WHERE TokenId = 'k-2') WHERE TokenId = 'k-1';");

        var keys = await store.ListByCompanyAsync("c-1", Ct);

        Assert.Equal(["k-2"], keys.Select(k => k.Id));
        Assert.Equal("test-key-k-2-0123456789", keys[0].Secret);
        Assert.Equal(ApiKeyStatus.Disabled, (await store.ListStatusTransitionsAsync("k-1", Ct)).Single().To);
        Assert.True((await store.ReserveAsync(new QuotaReservationRequest("k-2", "c-1", 100, TimeSpan.FromMinutes(5)), Ct)).IsGranted);
        Assert.Equal(QuotaRejectionReason.KeyNotActive, (await store.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 100, TimeSpan.FromMinutes(5)), Ct)).Reason);
        Assert.Equal(["k-2"], (await store.ListByCompanyAsync("c-1", Ct)).Select(k => k.Id));
    }

    [Fact]
    public async Task InitializeAsync_SecretSealedInTheLegacyFormat_IsResealedBoundToCompanyAndProject()
    {
        var store = await _database.CreateStoreAsync();
        await store.AddAsync(Key("k-1", "c-1"), Ct);
        await ExecuteAsync("UPDATE TokenMaster SET SecretCiphertext = $legacy WHERE TokenId = 'k-1';", ("$legacy", SealLegacy("test-key-k-1-0123456789", "k-1")));
        Assert.Equal("01", await ScalarAsync("SELECT hex(substr(SecretCiphertext, 1, 1)) FROM TokenMaster WHERE TokenId = 'k-1';"));

        await store.InitializeAsync(Ct);

        Assert.Equal("02", await ScalarAsync("SELECT hex(substr(SecretCiphertext, 1, 1)) FROM TokenMaster WHERE TokenId = 'k-1';"));
        Assert.Equal("test-key-k-1-0123456789", (await store.GetAsync("k-1", Ct))!.Secret);
        await ExecuteAsync("UPDATE TokenMaster SET ProjectId = 'p-other' WHERE TokenId = 'k-1';");
        Assert.Empty(await store.ListByCompanyAsync("c-1", Ct));
    }

    private static ApiKey Key(string id, string company) => new()
    {
        Id = id,
        CompanyId = company,
        ProjectId = "p-1",
        Secret = $"test-key-{id}-0123456789",
    };

    /// <summary>Seals as the first format did: version byte 1, associated data the key id alone.</summary>
    private static byte[] SealLegacy(string secret, string keyId)
    {
        var plaintext = System.Text.Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[1 + 12 + 16 + plaintext.Length];
        sealedBytes[0] = 1;
        RandomNumberGenerator.Fill(sealedBytes.AsSpan(1, 12));
        using var aes = new AesGcm(Convert.FromBase64String(TestDatabase.MasterKey), 16);
        aes.Encrypt(sealedBytes.AsSpan(1, 12), plaintext, sealedBytes.AsSpan(29), sealedBytes.AsSpan(13, 16), SecretProtector.AssociatedData(keyId));
        return sealedBytes;
    }

    private async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False");
        await connection.OpenAsync(Ct);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(Ct);
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False");
        await connection.OpenAsync(Ct);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(Ct);
    }
}
