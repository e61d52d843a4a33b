using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Sqlite.Schema;

/// <summary>
/// Prepares the SQLite store when the host starts (never in a constructor): applies pending migrations when
/// <see cref="SqliteStoreOptions.AutoMigrate"/> is on, otherwise fails start-up if the schema is not current.
/// </summary>
internal sealed class SqliteStoreInitializer(SqliteMigrator migrator, IOptions<SqliteStoreOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.AutoMigrate)
        {
            await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await migrator.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
