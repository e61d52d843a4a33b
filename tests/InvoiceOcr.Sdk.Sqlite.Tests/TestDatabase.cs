using System.Security.Cryptography;

namespace InvoiceOcr.Sdk.Sqlite.Tests;

/// <summary>A fresh SQLite database file in a temp folder, deleted (with its outbox) on disposal.</summary>
public sealed class TestDatabase : IDisposable
{
    public TestDatabase()
    {
        Directory = Path.Combine(Path.GetTempPath(), "invoiceocr-sqlite-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        DatabasePath = Path.Combine(Directory, "store.db");
    }

    /// <summary>A fixed master key for tests (not a secret: it only protects fake test keys).</summary>
    public static string MasterKey { get; } = Convert.ToBase64String(SHA256.HashData("invoiceocr-test-master-key-1"u8));

    /// <summary>A second master key, for rotation tests.</summary>
    public static string SecondMasterKey { get; } = Convert.ToBase64String(SHA256.HashData("invoiceocr-test-master-key-2"u8));

    public string Directory { get; }

    public string DatabasePath { get; }

    public SqliteStoreOptions Options(Action<SqliteStoreOptions>? configure = null)
    {
        var options = new SqliteStoreOptions { DatabasePath = DatabasePath };
        Configure(options);
        configure?.Invoke(options);
        return options;
    }

    public static void Configure(SqliteStoreOptions options)
    {
        options.SecretProtection.CurrentKeyId = "k1";
        options.SecretProtection.MasterKeys["k1"] = MasterKey;
    }

    public async Task<SqliteInvoiceOcrStore> CreateStoreAsync(TimeProvider? clock = null, Action<SqliteStoreOptions>? configure = null)
    {
        var store = new SqliteInvoiceOcrStore(Options(configure), clock);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        return store;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold a file for a moment; the temp folder is cleaned by the OS.
        }
    }
}
