namespace InvoiceOcr.Sdk.Relational;

/// <summary>A relational store's schema migrator (the migrations themselves are per provider), as the shared start-up initializer and health check see it.</summary>
public interface IRelationalStoreMigrator
{
    /// <summary>Gets the store's name in messages (<c>SQLite</c>, <c>SQL Server</c>).</summary>
    string StoreName { get; }

    /// <summary>Gets the schema version this package needs.</summary>
    int LatestVersion { get; }

    /// <summary>Applies pending migrations.</summary>
    /// <param name="cancellationToken">Cancels the migration.</param>
    /// <returns>The versions applied.</returns>
    Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Reads the database's schema version (0 when none is installed).</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The version.</returns>
    Task<int> GetVersionAsync(CancellationToken cancellationToken);

    /// <summary>Fails with a typed error when the schema is not current.</summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that completes when the schema is current.</returns>
    Task EnsureCurrentAsync(CancellationToken cancellationToken);
}
