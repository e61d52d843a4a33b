namespace InvoiceOcr.Samples.WebApi.Hosting;

/// <summary>Which store holds keys, quotas and usage: <c>Storage:Provider</c>.</summary>
public enum StorageProvider
{
    /// <summary>One SQLite file (<c>Storage:Sqlite</c>, bound to <c>SqliteStoreOptions</c>): the default, no setup.</summary>
    Sqlite,

    /// <summary>A SQL Server database shared by every instance (<c>Storage:SqlServer</c>, bound to <c>SqlServerStoreOptions</c>).</summary>
    SqlServer,

    /// <summary>A PostgreSQL database shared by every instance (<c>Storage:PostgreSql</c>, bound to <c>PostgreSqlStoreOptions</c>).</summary>
    PostgreSql,

    /// <summary>The SDK's in-memory store: lost on restart, for demos only.</summary>
    InMemory,
}
