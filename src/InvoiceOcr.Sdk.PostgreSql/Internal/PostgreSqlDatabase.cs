using System.Data.Common;
using System.Globalization;
using InvoiceOcr.Sdk.Relational;
using Npgsql;

namespace InvoiceOcr.Sdk.PostgreSql.Internal;

/// <summary>The store's connections: owns the Npgsql data source (its connection pool); the schema token and time-outs are the shared server factory's.</summary>
internal sealed class PostgreSqlDatabase : RelationalServerConnectionFactory, IAsyncDisposable, IDisposable
{
    public PostgreSqlDatabase(PostgreSqlStoreOptions options)
        : this(options, new NpgsqlConnectionStringBuilder(ConnectionStringOf(options)))
    {
    }

    private PostgreSqlDatabase(PostgreSqlStoreOptions options, NpgsqlConnectionStringBuilder builder)
        : base(options, builder.Host + ":" + builder.Port.ToString(CultureInfo.InvariantCulture) + "/" + builder.Database)
    {
        DataSource = NpgsqlDataSource.Create(builder);
    }

    public NpgsqlDataSource DataSource { get; }

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public override async Task<DbConnection> OpenAsync(RelationalWork work, CancellationToken cancellationToken) =>
        await OpenAsync(cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();
}
