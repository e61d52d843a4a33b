using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>The checks shared by the multi-process runs, read from the workers' output and the shared store.</summary>
internal static class MultiProcessChecks
{
    /// <summary>The run really was under fire (429s, server errors, failed attempts, billed failures), and most calls were billed.</summary>
    public static void AssertUnderFire(MultiProcessRun run, IReadOnlyList<EmulatorLedgerEntry> entries, IReadOnlyList<UsageRecord> sdk)
    {
        var lines = run.AllWorkers.SelectMany(w => w.Lines).ToList();
        // Most calls not stopped by a limit were billed. Calls that ended on a limit (refused locally, or still rate-limited
        // by the service after the retries) are left out: how many there are depends on the machine's speed against the 600x
        // clock (see Reconciliation.AssertLedgersMatch). A call's last outcome counts (a restarted worker runs a dead one's
        // share again; workers are listed in start order).
        var lastOutcome = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var parts in lines.Where(l => l.StartsWith("end ", StringComparison.Ordinal)).Select(l => l.Split(' ')))
        {
            lastOutcome[parts[1]] = parts[2] == "failed" && parts.Length > 3 ? parts[3] : parts[2];
        }

        var limited = lastOutcome.Values.Count(o => Enum.TryParse<InvoiceOcrErrorKind>(o, out var kind) && Reconciliation.IsLimit(kind));
        Assert.True(
            entries.Count >= (run.Calls - limited) * 6 / 10,
            $"Only {entries.Count} billed calls out of {run.Calls - limited} not stopped by a limit ({run.Calls} made).");
        Assert.Contains(lines, l => l.Contains(nameof(InvoiceOcrErrorKind.RateLimitedPerMinute), StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(nameof(InvoiceOcrErrorKind.ServerError), StringComparison.Ordinal));

        // Faults are a seeded share of the requests sent: judged against the billed calls, not the calls made.
        var failedAttempts = lines.Count(l => WorkerProcess.IsEvent(l, 2001));
        Assert.True(failedAttempts >= entries.Count / 10, $"Only {failedAttempts} failed attempts for {entries.Count} billed calls: the faults did not happen.");
        Assert.Contains(sdk, r => r.Outcome == UsageOutcome.Failure);
    }

    /// <summary>
    /// No key, nor any 8-character piece of one, in anything any worker wrote (stdout: every log line with its values and
    /// exception, every failure; stderr: the database logger's fallback) or in the ApplicationLogs table they shared.
    /// </summary>
    public static async Task AssertNoSecretLeaksAsync(MultiProcessRun run)
    {
        var applicationLogs = await run.ReadApplicationLogsAsync();
        Assert.True(applicationLogs.Count > 1_000, $"Only {applicationLogs.Count} ApplicationLogs rows: the workers' database logger did not run.");
        foreach (var worker in run.AllWorkers)
        {
            Assert.True(worker.Lines.Count(l => l.StartsWith("log ", StringComparison.Ordinal)) > 100, worker.Name + " wrote too few log lines for the sweep to mean anything.");
        }

        var logLines = run.AllWorkers.Sum(w => w.Lines.Count(l => l.StartsWith("log ", StringComparison.Ordinal)));
        Assert.True(logLines > 1_000 * run.Workers, $"The workers wrote only {logLines} log lines: too few for the sweep to mean anything.");

        Reconciliation.AssertNoSecretIn(run.Keys, run.AllWorkers.SelectMany(w => w.Lines.Concat(w.Errors)).Concat(applicationLogs));
    }
}
