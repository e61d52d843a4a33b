using System.Globalization;
using InvoiceOcr.Samples.WebApi.Hosting;

namespace InvoiceOcr.Samples.WebApi.Refusals;

/// <summary>Requests of a company refused on one UTC day for one reason.</summary>
/// <param name="Day">The UTC day.</param>
/// <param name="Kind">Why: <c>RateLimited</c> (this sample's limiter), <c>CircuitOpen</c>, or the SDK's error kind.</param>
/// <param name="Status">The HTTP status answered.</param>
/// <param name="Count">How many.</param>
/// <param name="LastAt">When the last one was refused.</param>
public sealed record RefusalCount(DateOnly Day, string Kind, int Status, long Count, DateTimeOffset LastAt);

/// <summary>
/// Counts requests refused before or instead of a model call (429s, no usable key, an open circuit, ...). The SDK's usage
/// ledger records billed calls only, so the sample keeps these itself: one counter row per day, company, kind and status,
/// so a flood of refusals costs an increment each, never a growing table.
/// </summary>
public interface IRefusalLog
{
    /// <summary>Counts one refused request.</summary>
    /// <param name="companyId">The authenticated caller's company.</param>
    /// <param name="kind">Why it was refused.</param>
    /// <param name="status">The HTTP status answered.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the count is stored.</returns>
    Task RecordAsync(string companyId, string kind, int status, CancellationToken cancellationToken);

    /// <summary>Lists a company's refusal counts from a day on.</summary>
    /// <param name="companyId">The company.</param>
    /// <param name="fromDay">The first UTC day.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The counts, newest day first.</returns>
    Task<IReadOnlyList<RefusalCount>> ListAsync(string companyId, DateOnly fromDay, CancellationToken cancellationToken);
}

/// <summary><see cref="IRefusalLog"/> in the sample's SQLite file.</summary>
internal sealed partial class SqliteRefusalLog(SampleDatabase database, TimeProvider time, ILogger<SqliteRefusalLog> logger) : IRefusalLog
{
    public async Task RecordAsync(string companyId, string kind, int status, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO RefusedRequests (Day, CompanyId, Kind, Status, Count, LastAt) VALUES ($day, $company, $kind, $status, 1, $at)
                ON CONFLICT (Day, CompanyId, Kind, Status) DO UPDATE SET Count = Count + 1, LastAt = excluded.LastAt;
                """;
            command.Parameters.AddWithValue("$day", DateOnly.FromDateTime(now.UtcDateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$company", companyId);
            command.Parameters.AddWithValue("$kind", kind);
            command.Parameters.AddWithValue("$status", status);
            command.Parameters.AddWithValue("$at", now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException or OperationCanceledException)
        {
            // A statistic: losing one must never turn a clean refusal into a 500.
            LogRecordFailed(logger, ex, kind, status);
        }
    }

    public async Task<IReadOnlyList<RefusalCount>> ListAsync(string companyId, DateOnly fromDay, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Day, Kind, Status, Count, LastAt FROM RefusedRequests WHERE CompanyId = $company AND Day >= $from ORDER BY Day DESC, Count DESC;";
        command.Parameters.AddWithValue("$company", companyId);
        command.Parameters.AddWithValue("$from", fromDay.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<RefusalCount>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new RefusalCount(
                DateOnly.ParseExact(reader.GetString(0), "yyyy-MM-dd", CultureInfo.InvariantCulture),
                reader.GetString(1),
                reader.GetInt32(2),
                reader.GetInt64(3),
                DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)));
        }

        return list;
    }

    [LoggerMessage(1, LogLevel.Warning, "Could not count a refused request ({Kind}, {Status})")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string kind, int status);
}
