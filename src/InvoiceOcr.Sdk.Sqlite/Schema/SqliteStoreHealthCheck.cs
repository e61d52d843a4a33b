using InvoiceOcr.Sdk.Persistence.Ado;

namespace InvoiceOcr.Sdk.Sqlite.Schema;

/// <summary>Healthy when the database file opens and its schema is the version this package needs.</summary>
internal sealed class SqliteStoreHealthCheck(SqliteMigrator migrator) : StoreHealthCheck(migrator);
