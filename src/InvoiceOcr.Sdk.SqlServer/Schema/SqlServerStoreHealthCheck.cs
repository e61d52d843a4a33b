using InvoiceOcr.Sdk.Persistence.Ado;

namespace InvoiceOcr.Sdk.SqlServer.Schema;

/// <summary>Healthy when the database is reachable and its schema is the version this package needs.</summary>
internal sealed class SqlServerStoreHealthCheck(SqlServerMigrator migrator) : StoreHealthCheck(migrator);
