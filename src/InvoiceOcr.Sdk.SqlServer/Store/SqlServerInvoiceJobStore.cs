using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.SqlServer.Internal;
using Q = InvoiceOcr.Sdk.SqlServer.Store.SqlServerJobQueries;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The SQL Server <see cref="IInvoiceJobStore"/>: batch jobs in the store's schema (migration 4, `0004_Jobs`), shared by every worker instance.
/// Registered by <c>AddSqlServerStore</c>. Leases skip rows other workers hold (<c>READPAST, UPDLOCK</c>).
/// </summary>
public sealed class SqlServerInvoiceJobStore : RelationalInvoiceJobStore
{
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

    /// <summary>Creates the job store over a database the <see cref="SqlServerInvoiceOcrStore"/> has migrated.</summary>
    /// <param name="options">The store's options (connection string, schema).</param>
    public SqlServerInvoiceJobStore(SqlServerStoreOptions options)
        : this(new SqlServerDatabase(options ?? throw new ArgumentNullException(nameof(options))))
    {
    }

    internal SqlServerInvoiceJobStore(SqlServerDatabase database)
        : base(SqlServerDialect.Instance, Statements, new SqlServerConnectionFactory(database), "SQL Server")
    {
    }
}
