using System.Security.Cryptography;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using Npgsql;

namespace InvoiceOcr.Samples.ConsoleApp.Tests;

/// <summary>
/// <c>--postgres &lt;connection&gt;</c>: the console on the PostgreSQL store, live against the test server that
/// eng/prerequisites/postgresql.sh starts (or <c>INVOICEOCR_POSTGRES_CONNECTIONSTRING</c>), in a database of its own.
/// </summary>
public sealed class PostgresOptionTests
{
    private const string DefaultServer = "Host=127.0.0.1;Port=55432;Username=invoiceocr;Password=invoiceocr-test;Database=postgres";

    private static string Server => Environment.GetEnvironmentVariable("INVOICEOCR_POSTGRES_CONNECTIONSTRING") is { Length: > 0 } s ? s : DefaultServer;

    [Fact]
    public async Task DbMigrate_Postgres_CreatesTheSchemaOnTheServerAndKeysListReadsIt()
    {
        var database = "invoiceocr_console_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync(Server, $"CREATE DATABASE \"{database}\";");
        try
        {
            var connection = new NpgsqlConnectionStringBuilder(Server) { Database = database }.ConnectionString;
            using var run = new ConsoleRun().WithEnvironment("INVOICEOCR_MASTER_KEY", Convert.ToBase64String(SHA256.HashData("invoiceocr-console-test-key"u8)));

            Assert.Equal(ExitCodes.Success, await run.RunAsync("db", "migrate", "--postgres", connection));
            Assert.Contains("PostgreSQL 127.0.0.1", run.Output, StringComparison.Ordinal);
            Assert.Contains("schema is at version", run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("invoiceocr-test", run.Output + run.Errors, StringComparison.Ordinal);

            await using var check = new NpgsqlConnection(connection);
            await check.OpenAsync(TestContext.Current.CancellationToken);
            await using var version = new NpgsqlCommand("SELECT MAX(\"Version\") FROM \"InvoiceOcr\".\"SchemaVersion\";", check);
            Assert.Equal(InvoiceOcr.Sdk.PostgreSqlStoreSchema.CurrentVersion, Convert.ToInt32(await version.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(Server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE);");
        }
    }

    [Fact]
    public async Task PostgresWithDb_FailsAsUsageError()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("keys", "list", "--company", "acme", "--db", "x.db", "--postgres", "Host=localhost;Password=test-password");

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("--postgres", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("test-password", run.Errors, StringComparison.Ordinal);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
