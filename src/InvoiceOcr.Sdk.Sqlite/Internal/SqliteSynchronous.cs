namespace InvoiceOcr.Sdk.Sqlite.Internal;

/// <summary>
/// SQLite's <c>PRAGMA synchronous</c> levels the store uses, with their pragma values. In WAL mode both keep the
/// database consistent and survive the application being killed; only <see cref="Full"/> survives power loss.
/// </summary>
internal enum SqliteSynchronous
{
    /// <summary>No fsync at commit (the write-ahead log is synced at checkpoints): survives an application crash.</summary>
    Normal = 1,

    /// <summary>The write-ahead log is fsync'd at each commit: survives an OS crash or power loss.</summary>
    Full = 2,
}
