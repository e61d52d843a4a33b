using System.Data.Common;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Data.SqlClient;

namespace InvoiceOcr.Sdk.SqlServer.Internal;

/// <summary>The store's connections, opened from the connection string; the schema token and time-outs are the shared server factory's. Classifies failures.</summary>
internal sealed class SqlServerDatabase : RelationalServerConnectionFactory
{
    // Connection-level and transient error numbers: the server is unreachable, failing over, or throttling.
    private static readonly HashSet<int> UnavailableNumbers =
    [
        -2, 2, 53, 64, 121, 233, 1205, 4060, 4221, 10053, 10054, 10060, 10061, 10928, 10929, 18456,
        40143, 40197, 40501, 40613, 42108, 42109, 49918, 49919, 49920,
    ];

    public SqlServerDatabase(SqlServerStoreOptions options)
        : this(options, new SqlConnectionStringBuilder(ConnectionStringOf(options)))
    {
    }

    private SqlServerDatabase(SqlServerStoreOptions options, SqlConnectionStringBuilder builder)
        : base(options, builder.DataSource + "/" + builder.InitialCatalog)
    {
        ConnectionString = options.ConnectionString!;
    }

    public string ConnectionString { get; }

    /// <inheritdoc />
    public override async Task<DbConnection> OpenAsync(RelationalWork work, CancellationToken cancellationToken) =>
        await OpenAsync(cancellationToken).ConfigureAwait(false);

    public async Task<SqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqlConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Returns whether an exception means the database cannot be reached now (as opposed to a bad statement or record).</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        InvoiceOcrException { Kind: InvoiceOcrErrorKind.StoreUnavailable } => true,
        SqlException sql => sql.Class >= 20 || sql.Errors.Cast<SqlError>().Any(static e => UnavailableNumbers.Contains(e.Number)),
        InvalidOperationException { InnerException: null } ioe => ioe.Message.Contains("pool", StringComparison.OrdinalIgnoreCase),
        TimeoutException or IOException => true,
        _ => false,
    };
}
