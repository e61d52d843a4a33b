using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk.Sqlite.Store;

/// <summary>The SQLite job statements. Leases need no lock hints: every write runs in a <c>BEGIN IMMEDIATE</c> transaction, so writers take turns.</summary>
internal static class SqliteJobQueries
{
    private const string JobColumns = "JobId, CompanyId, JobKey, RequestedBy, Branch, UseBatchMode, Control, Version, CreatedAtUtc, UpdatedAtUtc, FallbackToInteractive";

    private const string ItemColumns =
        "i.ItemId, i.JobId, i.CompanyId, i.Sequence, i.FileName, i.DocumentSha256, i.Source, i.Location, i.State, i.Version, i.LeaseCount, i.FailureCount, " +
        "i.LeaseOwner, i.LeaseExpiresAtUtc, i.NotBeforeUtc, i.OperationId, i.ErrorKind, i.ErrorMessage, i.InvoiceJson, i.IsPartial, i.TotalTokens, i.KeyId, i.CreatedAtUtc, i.UpdatedAtUtc, i.InteractiveFallback";

    private const string BatchColumns =
        "BatchId, JobId, CompanyId, KeyId, Model, State, GeminiName, Detail, ItemCount, EntriesJson, Owner, OwnerUntilUtc, NextPollAtUtc, Version, CreatedAtUtc, UpdatedAtUtc";

    public static RelationalJobStatements Statements { get; } = new()
    {
        InsertJob = "INSERT INTO InvoiceJobs (" + JobColumns + ") VALUES ($id, $company, $jobKey, $user, $branch, $batch, $control, $version, $now, $now, $fallback);",
        SelectJob = "SELECT " + JobColumns + " FROM InvoiceJobs WHERE JobId = $id;",
        SelectJobByKey = "SELECT " + JobColumns + " FROM InvoiceJobs WHERE CompanyId = $company AND JobKey = $jobKey;",
        SelectJobsByCompany = "SELECT " + JobColumns + " FROM InvoiceJobs WHERE CompanyId = $company ORDER BY CreatedAtUtc DESC, JobId DESC;",
        LockJob = "SELECT " + JobColumns + " FROM InvoiceJobs WHERE JobId = $id;",
        UpdateJobControl = "UPDATE InvoiceJobs SET Control = $control, Version = Version + 1, UpdatedAtUtc = $now WHERE JobId = $id AND Version = $version;",
        SelectMaxSequence = "SELECT COALESCE(MAX(Sequence), 0) FROM InvoiceJobItems WHERE JobId = $job;",
        CountItemsWithHash = "SELECT COUNT(*) FROM InvoiceJobItems WHERE JobId = $job AND DocumentSha256 = $sha;",
        InsertItem =
            "INSERT INTO InvoiceJobItems (ItemId, JobId, CompanyId, Sequence, FileName, DocumentSha256, Source, Location, Content, State, Version, OperationId, CreatedAtUtc, UpdatedAtUtc) " +
            "VALUES ($id, $job, $company, $sequence, $fileName, $sha, $source, $location, $content, $state, 1, $operation, $now, $now);",
        CountItemsByState = "SELECT State, COUNT(*), MIN(NotBeforeUtc) FROM InvoiceJobItems WHERE JobId = $job GROUP BY State;",
        SelectItemsPage = "SELECT " + ItemColumns + " FROM InvoiceJobItems i WHERE i.JobId = $job AND i.Sequence > $after ORDER BY i.Sequence LIMIT $take;",
        SelectItemsPageInState = "SELECT " + ItemColumns + " FROM InvoiceJobItems i WHERE i.JobId = $job AND i.State = $state AND i.Sequence > $after ORDER BY i.Sequence LIMIT $take;",
        SelectItem = "SELECT " + ItemColumns + " FROM InvoiceJobItems i WHERE i.ItemId = $id;",
        SelectItemContent = "SELECT Content FROM InvoiceJobItems WHERE ItemId = $id;",
        SelectItemsOfJob = "SELECT " + ItemColumns + " FROM InvoiceJobItems i WHERE i.JobId = $job ORDER BY i.Sequence;",
        SelectWaitingItemsOfCompany =
            "SELECT " + ItemColumns + " FROM InvoiceJobItems i INNER JOIN InvoiceJobs j ON j.JobId = i.JobId " +
            "WHERE i.CompanyId = $company AND i.State IN (0, 4) AND j.Control = 0 ORDER BY i.JobId, i.Sequence;",
        SelectDueParkedItems = "SELECT " + ItemColumns + " FROM InvoiceJobItems i WHERE i.State = 5 AND i.NotBeforeUtc <= $now ORDER BY i.JobId, i.Sequence;",
        SelectLeasableItems =
            "SELECT " + ItemColumns + ", j.UseBatchMode FROM InvoiceJobItems i INNER JOIN InvoiceJobs j ON j.JobId = i.JobId " +
            "WHERE j.Control = 0 AND ((i.State IN (0, 4) AND (i.NotBeforeUtc IS NULL OR i.NotBeforeUtc <= $now)) OR (i.State = 1 AND i.LeaseExpiresAtUtc <= $now)) " +
            "ORDER BY j.CreatedAtUtc, j.JobId, i.Sequence LIMIT $take;",
        UpdateItem =
            "UPDATE InvoiceJobItems SET State = $state, Version = $version, LeaseCount = $leaseCount, FailureCount = $failureCount, LeaseOwner = $owner, " +
            "LeaseExpiresAtUtc = $leaseUntil, NotBeforeUtc = $notBefore, ErrorKind = $errorKind, ErrorMessage = $errorMessage, InvoiceJson = $invoiceJson, " +
            "IsPartial = $partial, TotalTokens = $tokens, KeyId = $keyId, InteractiveFallback = $fallback, UpdatedAtUtc = $now WHERE ItemId = $id AND Version = $expected;",
        RenewLease = "UPDATE InvoiceJobItems SET LeaseExpiresAtUtc = $leaseUntil WHERE ItemId = $id AND State = 1 AND LeaseOwner = $worker;",
        InsertTransition =
            "INSERT INTO InvoiceJobItemTransitions (ItemId, Version, FromState, ToState, Reason, AtUtc, WorkerId, OperationId, AttemptId) " +
            "VALUES ($id, $version, $from, $to, $reason, $at, $worker, $operation, $attempt);",
        SelectTransitions = "SELECT ItemId, Version, FromState, ToState, Reason, AtUtc, WorkerId, OperationId, AttemptId FROM InvoiceJobItemTransitions WHERE ItemId = $id ORDER BY Id;",
        InsertBatch =
            "INSERT INTO InvoiceJobBatches (" + BatchColumns + ") " +
            "VALUES ($id, $job, $company, $keyId, $model, $state, $geminiName, $detail, $itemCount, $entries, $owner, $ownerUntil, $nextPoll, $version, $created, $updated);",
        UpdateBatch =
            "UPDATE InvoiceJobBatches SET State = $state, GeminiName = $geminiName, Detail = $detail, Owner = $owner, OwnerUntilUtc = $ownerUntil, " +
            "NextPollAtUtc = $nextPoll, Version = $version, UpdatedAtUtc = $updated WHERE BatchId = $id AND Version = $expected;",
        SelectBatch = "SELECT " + BatchColumns + " FROM InvoiceJobBatches WHERE BatchId = $id;",
        SelectOpenBatches = "SELECT " + BatchColumns + " FROM InvoiceJobBatches WHERE State IN (0, 1) ORDER BY CreatedAtUtc, BatchId;",
        SelectBatchesOfJob = "SELECT " + BatchColumns + " FROM InvoiceJobBatches WHERE JobId = $job ORDER BY CreatedAtUtc, BatchId;",
    };
}
