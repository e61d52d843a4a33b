using InvoiceOcr.Sdk.Persistence.Ado;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.SqlServer.Schema;

/// <summary>
/// Prepares the SQL Server store when the host starts (never in a constructor): applies pending migrations when
/// <see cref="SqlServerStoreOptions.AutoMigrate"/> is on, otherwise fails start-up if the schema is not current; then replays
/// usage records a previous run left in the durable outbox.
/// </summary>
internal sealed class SqlServerStoreInitializer(SqlServerMigrator migrator, IOptions<SqlServerStoreOptions> options, DurableUsageLogger usageLogger)
    : StoreInitializer(migrator, () => options.Value.AutoMigrate, usageLogger);
