using System.Data.Common;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Data.SqlClient;

namespace InvoiceOcr.Sdk.SqlServer.Internal;

/// <summary>Opens the store's connections, and creates commands with the schema token replaced and the configured time-out.</summary>
/// <param name="database">The database.</param>
internal sealed class SqlServerConnectionFactory(SqlServerDatabase database) : RelationalConnectionFactory
{
    /// <inheritdoc />
    public override string DisplayName => database.DisplayName;

    /// <inheritdoc />
    public override async Task<DbConnection> OpenAsync(RelationalWork work, CancellationToken cancellationToken) =>
        await database.OpenAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public override DbCommand CreateCommand(DbConnection connection, DbTransaction? transaction, string sql) =>
        new SqlCommand(database.Sql(sql), (SqlConnection)connection, (SqlTransaction?)transaction) { CommandTimeout = database.CommandTimeoutSeconds };
}
