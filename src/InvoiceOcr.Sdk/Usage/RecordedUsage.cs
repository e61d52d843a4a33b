namespace InvoiceOcr.Sdk;

/// <summary>What recording a billed attempt did besides writing its ledger row.</summary>
public enum UsageRecording
{
    /// <summary>The ledger row is durable; the lease's reservation is still to be settled by <see cref="ITokenProvider"/>.</summary>
    Recorded = 0,

    /// <summary>The ledger row, the reservation's settlement and the attempt's completion committed in one transaction.</summary>
    Settled = 1,

    /// <summary>The store was unreachable: the record waits in the durable outbox and is settled when it is replayed.</summary>
    Deferred = 2,
}

/// <summary>The result of <see cref="IUsageLogger.LogUsageAsync"/>.</summary>
/// <param name="State">What was done.</param>
/// <param name="Settlement">The settlement, when <see cref="UsageRecording.Settled"/>.</param>
public readonly record struct RecordedUsage(UsageRecording State, QuotaSettlement? Settlement = null);
