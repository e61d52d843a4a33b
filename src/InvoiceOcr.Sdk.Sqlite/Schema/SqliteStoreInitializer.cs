using InvoiceOcr.Sdk.Persistence.Ado;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Sqlite.Schema;

/// <summary>
/// Prepares the SQLite store when the host starts (never in a constructor): applies pending migrations when
/// <see cref="SqliteStoreOptions.AutoMigrate"/> is on, otherwise fails start-up if the schema is not current; then replays
/// usage records a previous run left in the durable outbox.
/// </summary>
internal sealed class SqliteStoreInitializer(SqliteMigrator migrator, IOptions<SqliteStoreOptions> options, DurableUsageLogger usageLogger)
    : StoreInitializer(migrator, () => options.Value.AutoMigrate, usageLogger);
