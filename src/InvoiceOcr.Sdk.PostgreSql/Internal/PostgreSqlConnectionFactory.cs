using System.Data.Common;
using InvoiceOcr.Sdk.Relational;
using Npgsql;

namespace InvoiceOcr.Sdk.PostgreSql.Internal;

/// <summary>Opens the store's connections from the data source's pool, and creates commands with the schema token replaced and the configured time-out.</summary>
/// <param name="database">The database.</param>
internal sealed class PostgreSqlConnectionFactory(PostgreSqlDatabase database) : RelationalConnectionFactory
{
    /// <inheritdoc />
    public override string DisplayName => database.DisplayName;

    /// <inheritdoc />
    public override async Task<DbConnection> OpenAsync(RelationalWork work, CancellationToken cancellationToken) =>
        await database.OpenAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public override DbCommand CreateCommand(DbConnection connection, DbTransaction? transaction, string sql) =>
        new NpgsqlCommand(database.Sql(sql), (NpgsqlConnection)connection, (NpgsqlTransaction?)transaction) { CommandTimeout = database.CommandTimeoutSeconds };
}
