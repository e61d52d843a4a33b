using System.Security.Cryptography;
using InvoiceOcr.Sdk.PostgreSql.Tests;
using Npgsql;

[assembly: AssemblyFixture(typeof(PostgreSqlTestServer))]

namespace InvoiceOcr.Sdk.PostgreSql.Tests;

/// <summary>
/// The PostgreSQL server the tests run against: <c>INVOICEOCR_POSTGRES_CONNECTIONSTRING</c>, or the project's test cluster
/// that eng/prerequisites/postgresql.sh starts on 127.0.0.1:55432. The run gets a fresh database of its own
/// (<c>invoiceocr_test_…</c>), dropped when the run ends; each test takes a fresh schema in it.
/// </summary>
public sealed class PostgreSqlTestServer : IAsyncLifetime
{
    public const string ConnectionStringVariable = "INVOICEOCR_POSTGRES_CONNECTIONSTRING";

    public const string DefaultConnectionString = "Host=127.0.0.1;Port=55432;Username=invoiceocr;Password=invoiceocr-test;Database=postgres";

    private static readonly Lazy<Task<string>> Database = new(CreateDatabaseAsync);

    private static string? s_databaseName;

    /// <summary>A fixed master key for tests (not a secret: it only protects fake test keys).</summary>
    public static string MasterKey { get; } = Convert.ToBase64String(SHA256.HashData("invoiceocr-test-master-key-1"u8));

    /// <summary>The server's connection string, to its maintenance database.</summary>
    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } configured ? configured : DefaultConnectionString;

    /// <summary>Returns the connection string of this run's database, creating it on first use.</summary>
    public static Task<string> GetConnectionStringAsync() => Database.Value;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (s_databaseName is not { } name)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE);", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private static async Task<string> CreateDatabaseAsync()
    {
        var name = "invoiceocr_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            try
            {
                await connection.OpenAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException)
            {
                throw new InvalidOperationException(
                    $"No PostgreSQL server answers at '{new NpgsqlConnectionStringBuilder(ServerConnectionString) { Password = null }}'. " +
                    $"Run eng/prerequisites/postgresql.sh (it starts the test cluster on 127.0.0.1:55432) or set {ConnectionStringVariable}.",
                    ex);
            }

            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\";", connection);
            await create.ExecuteNonQueryAsync();
        }

        s_databaseName = name;
        return new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name }.ConnectionString;
    }
}

/// <summary>A fresh schema in the run's database, dropped on disposal.</summary>
public sealed class PostgreSqlTestSchema : IAsyncDisposable
{
    private PostgreSqlTestSchema(string connectionString)
    {
        ConnectionString = connectionString;
        Schema = "t_" + Guid.NewGuid().ToString("N")[..16];
        OutboxDirectory = Path.Combine(Path.GetTempPath(), "invoiceocr-postgres-tests", Schema);
    }

    public string ConnectionString { get; }

    public string Schema { get; }

    public string OutboxDirectory { get; }

    public static async Task<PostgreSqlTestSchema> CreateAsync() => new(await PostgreSqlTestServer.GetConnectionStringAsync());

    public PostgreSqlStoreOptions Options(Action<PostgreSqlStoreOptions>? configure = null)
    {
        var options = new PostgreSqlStoreOptions { ConnectionString = ConnectionString, SchemaName = Schema, OutboxDirectory = OutboxDirectory };
        Configure(options);
        configure?.Invoke(options);
        return options;
    }

    public static void Configure(PostgreSqlStoreOptions options)
    {
        options.SecretProtection.CurrentKeyId = "k1";
        options.SecretProtection.MasterKeys["k1"] = PostgreSqlTestServer.MasterKey;
    }

    /// <summary>Runs a scalar query in this schema's database (<c>{schema}</c> is replaced).</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{schema}", Schema, StringComparison.Ordinal), connection);
        return await command.ExecuteScalarAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE;", connection);
            await drop.ExecuteNonQueryAsync();
        }

        try
        {
            Directory.Delete(OutboxDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // No outbox was written.
        }
    }
}
