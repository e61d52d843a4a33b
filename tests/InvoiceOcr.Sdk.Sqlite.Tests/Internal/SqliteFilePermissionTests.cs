namespace InvoiceOcr.Sdk.Sqlite.Tests.Internal;

/// <summary>The database file holds sealed secrets and the ledger: only its owner may read it.</summary>
public sealed class SqliteFilePermissionTests : IDisposable
{
    private readonly TestDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task InitializeAsync_NewDatabaseFile_IsCreatedReadableAndWritableByItsOwnerOnly()
    {
        Assert.False(File.Exists(_database.DatabasePath));

        var store = await _database.CreateStoreAsync();
        await store.AddAsync(new ApiKey { Id = "k-1", CompanyId = "c-1", ProjectId = "p-1", Secret = "test-key-permissions-0123" }, TestContext.Current.CancellationToken);

        Assert.True(File.Exists(_database.DatabasePath));
        if (!OperatingSystem.IsWindows())
        {
            // Windows has no Unix mode bits; there the file inherits its folder's ACL.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_database.DatabasePath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_database.DatabasePath + "-wal"));
        }
    }
}
