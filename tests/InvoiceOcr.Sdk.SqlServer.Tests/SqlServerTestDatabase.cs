using System.Security.Cryptography;
using Microsoft.Data.SqlClient;

namespace InvoiceOcr.Sdk.SqlServer.Tests;

/// <summary>
/// A fresh schema in the SQL Server named by <c>INVOICEOCR_SQLSERVER_CONNECTIONSTRING</c>; dropped on disposal.
/// Without the variable, tests that need a server skip and say why (the only skips this suite allows).
/// </summary>
public sealed class SqlServerTestDatabase : IAsyncDisposable
{
    public const string ConnectionStringVariable = "INVOICEOCR_SQLSERVER_CONNECTIONSTRING";

    private SqlServerTestDatabase(string connectionString)
    {
        ConnectionString = connectionString;
        Schema = "t_" + Guid.NewGuid().ToString("N")[..16];
    }

    public string ConnectionString { get; }

    public string Schema { get; }

    public static SqlServerTestDatabase Require()
    {
        var connectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            Assert.Skip($"Set {ConnectionStringVariable} to run the SQL Server tests against a real server.");
        }

        return new SqlServerTestDatabase(connectionString!);
    }

    public SqlServerStoreOptions Options()
    {
        var options = new SqlServerStoreOptions { ConnectionString = ConnectionString, SchemaName = Schema };
        options.SecretProtection.CurrentKeyId = "k1";
        options.SecretProtection.MasterKeys["k1"] = Convert.ToBase64String(SHA256.HashData("invoiceocr-test-master-key-1"u8));
        return options;
    }

    public async ValueTask DisposeAsync()
    {
        await using var connection = new SqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText =
            "DECLARE @sql NVARCHAR(MAX) = N''; " +
            "SELECT @sql += N'DROP VIEW ' + QUOTENAME(s.name) + N'.' + QUOTENAME(v.name) + N'; ' FROM sys.views v JOIN sys.schemas s ON s.schema_id = v.schema_id WHERE s.name = @schema; " +
            "SELECT @sql += N'DROP TABLE ' + QUOTENAME(s.name) + N'.' + QUOTENAME(t.name) + N'; ' FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id WHERE s.name = @schema; " +
            "EXEC sys.sp_executesql @sql; IF SCHEMA_ID(@schema) IS NOT NULL EXEC (N'DROP SCHEMA ' + QUOTENAME(@schema));";
        command.Parameters.AddWithValue("@schema", Schema);
        await command.ExecuteNonQueryAsync();
    }
}
