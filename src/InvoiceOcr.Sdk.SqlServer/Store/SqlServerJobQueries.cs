namespace InvoiceOcr.Sdk.SqlServer.Store;

/// <summary>
/// The SQL Server job statements, with their <c>{schema}</c> token. Leases read with <c>READPAST, UPDLOCK, ROWLOCK</c>: rows another
/// worker is leasing are skipped, not waited for, and the rows read stay locked until this transaction writes them.
/// </summary>
internal static class SqlServerJobQueries
{
    private const string JobColumns = "[JobId], [CompanyId], [JobKey], [RequestedBy], [Branch], [UseBatchMode], [Control], [Version], [CreatedAtUtc], [UpdatedAtUtc], [FallbackToInteractive]";

    private const string ItemColumns =
        "i.[ItemId], i.[JobId], i.[CompanyId], i.[Sequence], i.[FileName], i.[DocumentSha256], i.[Source], i.[Location], i.[State], i.[Version], i.[LeaseCount], " +
        "i.[FailureCount], i.[LeaseOwner], i.[LeaseExpiresAtUtc], i.[NotBeforeUtc], i.[OperationId], i.[ErrorKind], i.[ErrorMessage], i.[InvoiceJson], i.[IsPartial], " +
        "i.[TotalTokens], i.[KeyId], i.[CreatedAtUtc], i.[UpdatedAtUtc], i.[InteractiveFallback]";

    public const string InsertJob =
        "INSERT INTO [{schema}].[InvoiceJobs] (" + JobColumns + ") VALUES (@id, @company, @jobKey, @user, @branch, @batch, @control, @version, @now, @now, @fallback);";

    public const string SelectJob = "SELECT " + JobColumns + " FROM [{schema}].[InvoiceJobs] WHERE [JobId] = @id;";

    public const string SelectJobByKey = "SELECT " + JobColumns + " FROM [{schema}].[InvoiceJobs] WHERE [CompanyId] = @company AND [JobKey] = @jobKey;";

    public const string SelectJobsByCompany =
        "SELECT " + JobColumns + " FROM [{schema}].[InvoiceJobs] WHERE [CompanyId] = @company ORDER BY [CreatedAtUtc] DESC, [JobId] DESC;";

    public const string LockJob = "SELECT " + JobColumns + " FROM [{schema}].[InvoiceJobs] WITH (UPDLOCK, ROWLOCK) WHERE [JobId] = @id;";

    public const string UpdateJobControl =
        "UPDATE [{schema}].[InvoiceJobs] SET [Control] = @control, [Version] = [Version] + 1, [UpdatedAtUtc] = @now WHERE [JobId] = @id AND [Version] = @version;";

    public const string SelectMaxSequence = "SELECT COALESCE(MAX([Sequence]), 0) FROM [{schema}].[InvoiceJobItems] WHERE [JobId] = @job;";

    public const string CountItemsWithHash = "SELECT COUNT([ItemId]) FROM [{schema}].[InvoiceJobItems] WHERE [JobId] = @job AND [DocumentSha256] = @sha;";

    public const string InsertItem =
        "INSERT INTO [{schema}].[InvoiceJobItems] ([ItemId], [JobId], [CompanyId], [Sequence], [FileName], [DocumentSha256], [Source], [Location], [Content], [State], [Version], " +
        "[OperationId], [CreatedAtUtc], [UpdatedAtUtc]) VALUES (@id, @job, @company, @sequence, @fileName, @sha, @source, @location, @content, @state, 1, @operation, @now, @now);";

    public const string CountItemsByState =
        "SELECT [State], COUNT([ItemId]), MIN([NotBeforeUtc]) FROM [{schema}].[InvoiceJobItems] WHERE [JobId] = @job GROUP BY [State];";

    public const string SelectItemsPage =
        "SELECT TOP (@take) " + ItemColumns + " FROM [{schema}].[InvoiceJobItems] AS i WHERE i.[JobId] = @job AND i.[Sequence] > @after ORDER BY i.[Sequence];";

    public const string SelectItemsPageInState =
        "SELECT TOP (@take) " + ItemColumns + " FROM [{schema}].[InvoiceJobItems] AS i WHERE i.[JobId] = @job AND i.[State] = @state AND i.[Sequence] > @after ORDER BY i.[Sequence];";

    public const string SelectItem = "SELECT " + ItemColumns + " FROM [{schema}].[InvoiceJobItems] AS i WHERE i.[ItemId] = @id;";

    public const string SelectItemContent = "SELECT [Content] FROM [{schema}].[InvoiceJobItems] WHERE [ItemId] = @id;";

    public const string SelectItemsOfJob =
        "SELECT " + ItemColumns + " FROM [{schema}].[InvoiceJobItems] AS i WITH (UPDLOCK, ROWLOCK) WHERE i.[JobId] = @job ORDER BY i.[Sequence];";

    public const string SelectWaitingItemsOfCompany =
        "SELECT " + ItemColumns + " FROM [{schema}].[InvoiceJobItems] AS i WITH (READPAST, UPDLOCK, ROWLOCK) INNER JOIN [{schema}].[InvoiceJobs] AS j ON j.[JobId] = i.[JobId] " +
        "WHERE i.[CompanyId] = @company AND i.[State] IN (0, 4) AND j.[Control] = 0 ORDER BY i.[JobId], i.[Sequence];";

    public const string SelectDueParkedItems =
        "SELECT " + ItemColumns + " FROM [{schema}].[InvoiceJobItems] AS i WITH (READPAST, UPDLOCK, ROWLOCK) WHERE i.[State] = 5 AND i.[NotBeforeUtc] <= @now ORDER BY i.[JobId], i.[Sequence];";

    public const string SelectLeasableItems =
        "SELECT TOP (@take) " + ItemColumns + ", j.[UseBatchMode] FROM [{schema}].[InvoiceJobItems] AS i WITH (READPAST, UPDLOCK, ROWLOCK) " +
        "INNER JOIN [{schema}].[InvoiceJobs] AS j ON j.[JobId] = i.[JobId] WHERE j.[Control] = 0 AND ((i.[State] IN (0, 4) AND (i.[NotBeforeUtc] IS NULL OR i.[NotBeforeUtc] <= @now)) " +
        "OR (i.[State] = 1 AND i.[LeaseExpiresAtUtc] <= @now)) ORDER BY j.[CreatedAtUtc], j.[JobId], i.[Sequence];";

    public const string UpdateItem =
        "UPDATE [{schema}].[InvoiceJobItems] SET [State] = @state, [Version] = @version, [LeaseCount] = @leaseCount, [FailureCount] = @failureCount, [LeaseOwner] = @owner, " +
        "[LeaseExpiresAtUtc] = @leaseUntil, [NotBeforeUtc] = @notBefore, [ErrorKind] = @errorKind, [ErrorMessage] = @errorMessage, [InvoiceJson] = @invoiceJson, " +
        "[IsPartial] = @partial, [TotalTokens] = @tokens, [KeyId] = @keyId, [InteractiveFallback] = @fallback, [UpdatedAtUtc] = @now WHERE [ItemId] = @id AND [Version] = @expected;";

    public const string RenewLease =
        "UPDATE [{schema}].[InvoiceJobItems] SET [LeaseExpiresAtUtc] = @leaseUntil WHERE [ItemId] = @id AND [State] = 1 AND [LeaseOwner] = @worker;";

    public const string InsertTransition =
        "INSERT INTO [{schema}].[InvoiceJobItemTransitions] ([ItemId], [Version], [FromState], [ToState], [Reason], [AtUtc], [WorkerId], [OperationId], [AttemptId]) " +
        "VALUES (@id, @version, @from, @to, @reason, @at, @worker, @operation, @attempt);";

    public const string SelectTransitions =
        "SELECT [ItemId], [Version], [FromState], [ToState], [Reason], [AtUtc], [WorkerId], [OperationId], [AttemptId] FROM [{schema}].[InvoiceJobItemTransitions] WHERE [ItemId] = @id ORDER BY [Id];";

    private const string BatchColumns =
        "[BatchId], [JobId], [CompanyId], [KeyId], [Model], [State], [GeminiName], [Detail], [ItemCount], [EntriesJson], [Owner], [OwnerUntilUtc], [NextPollAtUtc], [Version], [CreatedAtUtc], [UpdatedAtUtc]";

    public const string InsertBatch =
        "INSERT INTO [{schema}].[InvoiceJobBatches] (" + BatchColumns + ") VALUES (@id, @job, @company, @keyId, @model, @state, @geminiName, @detail, @itemCount, " +
        "@entries, @owner, @ownerUntil, @nextPoll, @version, @created, @updated);";

    public const string UpdateBatch =
        "UPDATE [{schema}].[InvoiceJobBatches] SET [State] = @state, [GeminiName] = @geminiName, [Detail] = @detail, [Owner] = @owner, " +
        "[OwnerUntilUtc] = @ownerUntil, [NextPollAtUtc] = @nextPoll, [Version] = @version, [UpdatedAtUtc] = @updated WHERE [BatchId] = @id AND [Version] = @expected;";

    public const string SelectBatch = "SELECT " + BatchColumns + " FROM [{schema}].[InvoiceJobBatches] WHERE [BatchId] = @id;";

    public const string SelectOpenBatches = "SELECT " + BatchColumns + " FROM [{schema}].[InvoiceJobBatches] WHERE [State] IN (0, 1) ORDER BY [CreatedAtUtc], [BatchId];";

    public const string SelectBatchesOfJob = "SELECT " + BatchColumns + " FROM [{schema}].[InvoiceJobBatches] WHERE [JobId] = @job ORDER BY [CreatedAtUtc], [BatchId];";
}
