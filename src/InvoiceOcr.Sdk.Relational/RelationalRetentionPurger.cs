using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// Purges a relational store's operational tables by age, as <see cref="RelationalRetentionOptions"/> says: each table in
/// batches of at most <see cref="RelationalRetentionOptions.BatchSize"/> rows, each batch its own short transaction, with
/// a pause between batches. Billing data (the usage ledger and its summaries) is never touched. A hosted service calls
/// <see cref="PurgeAsync"/> every <see cref="RelationalRetentionOptions.PurgeInterval"/>; an operator may call it too.
/// </summary>
/// <remarks>
/// Progress goes to the logs (one line per table that lost rows) and to the counter <see cref="RowsPurgedInstrument"/>
/// of the SDK's meter, tagged <c>invoiceocr.retention.table</c>. Several instances sharing one database may purge at
/// once: a row is deleted by one of them, and each only counts what it deleted.
/// </remarks>
public sealed partial class RelationalRetentionPurger
{
    /// <summary>The name of the counter of rows purged (unit <c>{row}</c>, tag <c>invoiceocr.retention.table</c>) on the <see cref="InvoiceOcrTelemetry.MeterName"/> meter.</summary>
    public const string RowsPurgedInstrument = "invoiceocr.store.retention.rows_purged";

    private readonly RelationalInvoiceOcrStore _store;
    private readonly RelationalRetentionOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RelationalRetentionPurger> _logger;
    private readonly Counter<long> _rowsPurged;

    /// <summary>Creates a purger.</summary>
    /// <param name="store">The store to purge.</param>
    /// <param name="options">The retention per table (validated at start by the provider's options validator).</param>
    /// <param name="timeProvider">The clock the cut-offs are computed from.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="meterFactory">Creates the SDK's meter.</param>
    public RelationalRetentionPurger(RelationalInvoiceOcrStore store, RelationalRetentionOptions options, TimeProvider timeProvider, ILogger<RelationalRetentionPurger> logger, IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(meterFactory);
        _store = store;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _rowsPurged = meterFactory.Create(InvoiceOcrTelemetry.MeterName).CreateCounter<long>(RowsPurgedInstrument, "{row}", "Rows deleted by the store's retention purge.");
    }

    /// <summary>Purges every table with a retention, each until no row older than its cut-off is left.</summary>
    /// <param name="cancellationToken">Cancels the purge between batches (a batch is committed or not at all).</param>
    /// <returns>The rows deleted per table (tables kept forever are absent).</returns>
    public async Task<IReadOnlyDictionary<RelationalRetentionTable, long>> PurgeAsync(CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        var purged = new Dictionary<RelationalRetentionTable, long>();
        (RelationalRetentionTable Table, TimeSpan? Retention)[] tables = [(RelationalRetentionTable.ApplicationLogs, _options.ApplicationLogs), (RelationalRetentionTable.RetryAttempts, _options.RetryAttempts)];
        foreach (var (table, retention) in tables)
        {
            if (retention is { } keep)
            {
                purged[table] = await PurgeTableAsync(table, now - keep, cancellationToken).ConfigureAwait(false);
            }
        }

        return purged;
    }

    private async Task<long> PurgeTableAsync(RelationalRetentionTable table, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var tag = new KeyValuePair<string, object?>("invoiceocr.retention.table", table.ToString());
        long total = 0;
        var batches = 0;
        while (true)
        {
            var deleted = await _store.PurgeBatchAsync(table, cutoff, _options.BatchSize, cancellationToken).ConfigureAwait(false);
            if (deleted > 0)
            {
                total += deleted;
                batches++;
                _rowsPurged.Add(deleted, tag);
                Log.Batch(_logger, deleted, table, total);
            }

            if (deleted < _options.BatchSize)
            {
                break;
            }

            if (_options.BatchPause > TimeSpan.Zero)
            {
                await Task.Delay(_options.BatchPause, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }

        if (total > 0)
        {
            Log.Purged(_logger, total, table, cutoff, batches);
        }

        return total;
    }

    private static partial class Log
    {
        [LoggerMessage(3301, LogLevel.Information, "Retention purged {Rows} rows of {Table} older than {Cutoff:O} in {Batches} batches.")]
        public static partial void Purged(ILogger logger, long rows, RelationalRetentionTable table, DateTimeOffset cutoff, int batches);

        [LoggerMessage(3302, LogLevel.Debug, "Retention deleted a batch of {Rows} rows of {Table} ({Total} so far).")]
        public static partial void Batch(ILogger logger, int rows, RelationalRetentionTable table, long total);
    }
}
