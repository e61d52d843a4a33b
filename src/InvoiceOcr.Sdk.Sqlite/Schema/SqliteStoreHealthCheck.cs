using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace InvoiceOcr.Sdk.Sqlite.Schema;

/// <summary>Healthy when the database file opens and its schema is the version this package needs.</summary>
internal sealed class SqliteStoreHealthCheck(SqliteMigrator migrator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var version = await migrator.GetVersionAsync(cancellationToken).ConfigureAwait(false);
            var data = new Dictionary<string, object> { ["schemaVersion"] = version, ["requiredVersion"] = SqliteMigrations.LatestVersion };
            return version == SqliteMigrations.LatestVersion
                ? HealthCheckResult.Healthy("The SQLite store is reachable and its schema is current.", data)
                : HealthCheckResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"The SQLite store's schema is at version {version}; version {SqliteMigrations.LatestVersion} is required."), data: data);
        }
#pragma warning disable CA1031 // A health check reports every failure as unhealthy.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return HealthCheckResult.Unhealthy("The SQLite store is unreachable: " + SecretScrubber.Scrub(ex.Message), ex);
        }
    }
}
