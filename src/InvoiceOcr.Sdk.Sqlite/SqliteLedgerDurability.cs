namespace InvoiceOcr.Sdk;

/// <summary>
/// What a committed usage-ledger row (and retry-log row) of the SQLite store survives. The database runs in WAL mode;
/// the choice sets SQLite's <c>synchronous</c> level for the ledger's commits only.
/// </summary>
/// <remarks>
/// Quota bookkeeping (reservations, settlements, releases, cooldowns) and application logs always commit with
/// <c>synchronous = NORMAL</c>: they survive the application crashing or being killed, and only an operating-system
/// crash or power loss can roll back the most recent of them, each as a whole transaction (counters stay consistent).
/// That is safe: a lost reservation is a quota hold that vanished together with the process that held it, and a
/// call's settlement commits before its ledger row, so the ledger row's <c>FULL</c> commit (an fsync of the
/// write-ahead log, which covers every earlier commit of every connection) makes the settlement power-loss durable
/// too. Key administration (adding keys, status and limit changes, secret rotation) always commits with
/// <c>synchronous = FULL</c>.
/// </remarks>
public enum SqliteLedgerDurability
{
    /// <summary>
    /// Each ledger commit is fsync'd (<c>synchronous = FULL</c>): an acknowledged usage row survives an application
    /// crash, an operating-system crash and a power loss. Costs one fsync per group commit (about 0.3 ms on a fast
    /// disk, shared by every caller in the batch). The default.
    /// </summary>
    SurvivesPowerLoss = 0,

    /// <summary>
    /// Ledger commits are not fsync'd (<c>synchronous = NORMAL</c>): an acknowledged usage row survives the
    /// application crashing or being killed, but an operating-system crash or power loss can roll back the most
    /// recent commits (those not yet checkpointed or synced by a later <c>FULL</c> commit). For hosts whose billing
    /// is reconciled against the provider's, or whose disk has a battery-backed cache.
    /// </summary>
    SurvivesProcessCrash = 1,
}
