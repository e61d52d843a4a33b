using InvoiceOcr.Sdk.Relational;
using Npgsql;

namespace InvoiceOcr.Sdk.PostgreSql.DependencyInjection;

/// <summary>Validates <see cref="PostgreSqlStoreOptions"/> at start-up: the shared server options, with a connection string Npgsql accepts and that names a host.</summary>
internal sealed class PostgreSqlStoreOptionsValidator() : RelationalServerStoreOptionsValidator<PostgreSqlStoreOptions>("AddPostgreSqlStore", "Npgsql")
{
    /// <inheritdoc />
    protected override string? CheckConnectionString(string connectionString) =>
        string.IsNullOrWhiteSpace(new NpgsqlConnectionStringBuilder(connectionString).Host) ? "names no Host." : null;
}
