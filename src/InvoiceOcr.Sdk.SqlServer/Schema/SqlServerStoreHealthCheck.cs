using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace InvoiceOcr.Sdk.SqlServer.Schema;

/// <summary>Healthy when the database is reachable and its schema is the version this package needs.</summary>
internal sealed class SqlServerStoreHealthCheck(SqlServerMigrator migrator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var version = await migrator.GetVersionAsync(cancellationToken).ConfigureAwait(false);
            var data = new Dictionary<string, object> { ["schemaVersion"] = version, ["requiredVersion"] = SqlServerMigrations.LatestVersion };
            return version == SqlServerMigrations.LatestVersion
                ? HealthCheckResult.Healthy("The SQL Server store is reachable and its schema is current.", data)
                : HealthCheckResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"The SQL Server store's schema is at version {version}; version {SqlServerMigrations.LatestVersion} is required."), data: data);
        }
#pragma warning disable CA1031 // A health check reports every failure as unhealthy.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return HealthCheckResult.Unhealthy("The SQL Server store is unreachable: " + SecretScrubber.Scrub(ex.Message), ex);
        }
    }
}
