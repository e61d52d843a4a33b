using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.PostgreSql.Internal;
using Q = InvoiceOcr.Sdk.PostgreSql.Store.PostgreSqlJobQueries;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The PostgreSQL <see cref="IInvoiceJobStore"/>: batch jobs in the store's schema (migration 4, `0004_Jobs`), shared by every worker instance.
/// Registered by <c>AddPostgreSqlStore</c>. Leases skip rows other workers hold (<c>FOR UPDATE SKIP LOCKED</c>).
/// </summary>
public sealed class PostgreSqlInvoiceJobStore : RelationalInvoiceJobStore, IAsyncDisposable
{
    private readonly PostgreSqlDatabase _database;
    private readonly PostgreSqlDatabase? _ownedDatabase;

    private static readonly RelationalJobStatements Statements = new()
    {
        InsertJob = Q.InsertJob,
        SelectJob = Q.SelectJob,
        SelectJobByKey = Q.SelectJobByKey,
        SelectJobsByCompany = Q.SelectJobsByCompany,
        LockJob = Q.LockJob,
        UpdateJobControl = Q.UpdateJobControl,
        SelectMaxSequence = Q.SelectMaxSequence,
        CountItemsWithHash = Q.CountItemsWithHash,
        InsertItem = Q.InsertItem,
        CountItemsByState = Q.CountItemsByState,
        SelectItemsPage = Q.SelectItemsPage,
        SelectItemsPageInState = Q.SelectItemsPageInState,
        SelectItem = Q.SelectItem,
        SelectItemContent = Q.SelectItemContent,
        SelectItemsOfJob = Q.SelectItemsOfJob,
        SelectWaitingItemsOfCompany = Q.SelectWaitingItemsOfCompany,
        SelectDueParkedItems = Q.SelectDueParkedItems,
        SelectLeasableItems = Q.SelectLeasableItems,
        UpdateItem = Q.UpdateItem,
        RenewLease = Q.RenewLease,
        InsertTransition = Q.InsertTransition,
        SelectTransitions = Q.SelectTransitions,
        InsertBatch = Q.InsertBatch,
        UpdateBatch = Q.UpdateBatch,
        SelectBatch = Q.SelectBatch,
        SelectOpenBatches = Q.SelectOpenBatches,
        SelectBatchesOfJob = Q.SelectBatchesOfJob,
    };

    /// <summary>Creates the job store over a database the <see cref="PostgreSqlInvoiceOcrStore"/> has migrated.</summary>
    /// <param name="options">The store's options (connection string, schema).</param>
    public PostgreSqlInvoiceJobStore(PostgreSqlStoreOptions options)
        : this(new PostgreSqlDatabase(options ?? throw new ArgumentNullException(nameof(options))))
    {
        _ownedDatabase = _database;
    }

    internal PostgreSqlInvoiceJobStore(PostgreSqlDatabase database)
        : base(PostgreSqlDialect.Instance, Statements, new PostgreSqlConnectionFactory(database), "PostgreSQL")
    {
        _database = database;
    }

    /// <summary>Disposes the connection pool when this store created it (the options constructor).</summary>
    /// <returns>A task that completes when disposed.</returns>
    public ValueTask DisposeAsync() => _ownedDatabase?.DisposeAsync() ?? ValueTask.CompletedTask;
}
