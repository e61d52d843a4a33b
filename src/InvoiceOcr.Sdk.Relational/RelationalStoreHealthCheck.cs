using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// Healthy when the database is reachable and its schema is the version the store package needs. Each store
/// registers its own closed type so each check resolves its own store.
/// </summary>
/// <typeparam name="TStore">The provider's store.</typeparam>
/// <param name="store">The store whose migrator is asked.</param>
internal sealed class RelationalStoreHealthCheck<TStore>(TStore store) : IHealthCheck
    where TStore : RelationalInvoiceOcrStore
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var migrator = store.Migrator;
        var name = migrator.StoreName;
        try
        {
            var version = await migrator.GetVersionAsync(cancellationToken).ConfigureAwait(false);
            var latest = migrator.LatestVersion;
            var data = new Dictionary<string, object> { ["schemaVersion"] = version, ["requiredVersion"] = latest };
            return version == latest
                ? HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"The {name} store is reachable and its schema is current."), data)
                : HealthCheckResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"The {name} store's schema is at version {version}; version {latest} is required."), data: data);
        }
#pragma warning disable CA1031 // A health check reports every failure as unhealthy.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return HealthCheckResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"The {name} store is unreachable: ") + SecretScrubber.Scrub(ex.Message), ex);
        }
    }
}
