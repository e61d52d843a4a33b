using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace InvoiceOcr.Sdk.Persistence.Ado;

/// <summary>
/// Healthy when the database is reachable and its schema is the version the store package needs. Each store package
/// derives one sealed type so each check resolves its own migrator.
/// </summary>
/// <param name="migrator">The store's migrator.</param>
internal abstract class StoreHealthCheck(IStoreMigrator migrator) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var store = migrator.StoreName;
        try
        {
            var version = await migrator.GetVersionAsync(cancellationToken).ConfigureAwait(false);
            var latest = migrator.LatestVersion;
            var data = new Dictionary<string, object> { ["schemaVersion"] = version, ["requiredVersion"] = latest };
            return version == latest
                ? HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"The {store} store is reachable and its schema is current."), data)
                : HealthCheckResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"The {store} store's schema is at version {version}; version {latest} is required."), data: data);
        }
#pragma warning disable CA1031 // A health check reports every failure as unhealthy.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return HealthCheckResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"The {store} store is unreachable: ") + SecretScrubber.Scrub(ex.Message), ex);
        }
    }
}
