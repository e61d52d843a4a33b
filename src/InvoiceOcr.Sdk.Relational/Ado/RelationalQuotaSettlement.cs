using System.Data.Common;
using System.Globalization;
using InvoiceOcr.Sdk.Storage;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// The settlement and release of a quota reservation, the same in every ADO.NET store: delete the reservation row
/// (which makes a second settle or release a no-op), move the key's used and reserved counters, correct the four
/// windows by the difference between the billed and the held tokens, and move the key to
/// <see cref="ApiKeyStatus.Exceeded"/> when the settlement reached its lifetime limit. The store runs it inside its
/// write transaction; the SQL text stays with each provider (<see cref="RelationalStatements"/>).
/// </summary>
internal static class RelationalQuotaSettlement
{
    /// <summary>Settles a reservation with the tokens actually billed.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="command">Creates a command for SQL text on the current connection and transaction.</param>
    /// <param name="sql">The provider's statements.</param>
    /// <param name="reservationId">The reservation.</param>
    /// <param name="actualTokens">The tokens billed (not negative); <see langword="null"/> charges the reservation's own estimate (an expired reservation whose call may have been billed).</param>
    /// <param name="actualInputTokens">The prompt tokens billed, which the minute windows keep; <see langword="null"/> keeps the reservation's input estimate there.</param>
    /// <param name="now">The store's current time.</param>
    /// <param name="markExceeded">Moves the key from <see cref="ApiKeyStatus.Active"/> to <see cref="ApiKeyStatus.Exceeded"/> with the given reason (recording the transition); returns whether it changed the status.</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>The settlement, or <see langword="null"/> when the reservation (or its key) no longer exists.</returns>
    public static async Task<QuotaSettlement?> SettleAsync(
        RelationalDialect d,
        Func<string, DbCommand> command,
        RelationalStatements sql,
        string reservationId,
        long? actualTokens,
        long? actualInputTokens,
        DateTimeOffset now,
        Func<string, string, Task<bool>> markExceeded,
        CancellationToken cancellationToken)
    {
        if (await DeleteReservationAsync(d, command, sql, reservationId, cancellationToken).ConfigureAwait(false) is not { } held)
        {
            return null;
        }

        var actual = actualTokens ?? held.Tokens;
        var keyFound = false;
        long usedAfter = 0;
        long? limit = null;
        var status = ApiKeyStatus.Active;
        using (var settle = command(sql.SettleKey))
        {
            d.Add(settle, "id", held.KeyId);
            d.Add(settle, "actual", actual);
            d.Add(settle, "reserved", held.Tokens);
            d.Add(settle, "now", d.Time(now));
            var reader = await settle.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    keyFound = true;
                    usedAfter = reader.GetInt64(0);
                    limit = RelationalReader.NullableInt64(reader, 1);
                    status = (ApiKeyStatus)d.ReadSmallInteger(reader, 2);
                }
            }
        }

        // The windows held the reservation's estimates (input in the minute slots, total in the days): correct them to what
        // was billed, even when the key is gone.
        await AdjustWindowsAsync(d, command, sql, held, (actualInputTokens ?? held.InputTokens) - held.InputTokens, actual - held.Tokens, cancellationToken).ConfigureAwait(false);
        if (!keyFound)
        {
            return null;
        }

        var becameExceeded = false;
        if (status == ApiKeyStatus.Active && limit is { } l && usedAfter >= l)
        {
            var reason = string.Create(CultureInfo.InvariantCulture, $"Lifetime token limit of {l} reached ({usedAfter} used).");
            becameExceeded = await markExceeded(held.KeyId, reason).ConfigureAwait(false);
            status = ApiKeyStatus.Exceeded;
        }

        return new QuotaSettlement(reservationId, held.KeyId, actual, usedAfter, limit, status, becameExceeded);
    }

    /// <summary>
    /// Charges an attempt that held no reservation (a fallback key while the store was down) to its key: adds the tokens to
    /// its used tokens, counts one request and the tokens in the key's and project's minute slot (<paramref name="inputTokens"/>)
    /// and day (<paramref name="tokens"/>) it started in, and
    /// moves the key to <see cref="ApiKeyStatus.Exceeded"/> when the charge reached its lifetime limit.
    /// </summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="command">Creates a command for SQL text on the current connection and transaction.</param>
    /// <param name="sql">The provider's statements.</param>
    /// <param name="keyId">The key.</param>
    /// <param name="projectId">The key's project, if known.</param>
    /// <param name="tokens">The tokens to charge (not negative).</param>
    /// <param name="inputTokens">The input tokens the minute windows count (not negative).</param>
    /// <param name="startedAt">When the attempt started: the windows it counts in.</param>
    /// <param name="now">The store's current time.</param>
    /// <param name="markExceeded">Moves the key to <see cref="ApiKeyStatus.Exceeded"/> with the given reason.</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>The charge as a settlement, or <see langword="null"/> when the key no longer exists.</returns>
    public static async Task<QuotaSettlement?> ChargeUnreservedAsync(
        RelationalDialect d,
        Func<string, DbCommand> command,
        RelationalStatements sql,
        string keyId,
        string? projectId,
        long tokens,
        long inputTokens,
        DateTimeOffset startedAt,
        DateTimeOffset now,
        Func<string, string, Task<bool>> markExceeded,
        CancellationToken cancellationToken)
    {
        var keyFound = false;
        long usedAfter = 0;
        long? limit = null;
        var status = ApiKeyStatus.Active;
        using (var settle = command(sql.SettleKey))
        {
            d.Add(settle, "id", keyId);
            d.Add(settle, "actual", tokens);
            d.Add(settle, "reserved", 0L);
            d.Add(settle, "now", d.Time(now));
            var reader = await settle.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    keyFound = true;
                    usedAfter = reader.GetInt64(0);
                    limit = RelationalReader.NullableInt64(reader, 1);
                    status = (ApiKeyStatus)d.ReadSmallInteger(reader, 2);
                }
            }
        }

        // No limits: the count always lands (the request was already made), in the slot and day the attempt started in.
        foreach (var window in QuotaAdmission.Windows(keyId, projectId ?? string.Empty, QuotaLimits.None, QuotaLimits.None, startedAt))
        {
            if (window.Scope == QuotaScope.Project && projectId is null)
            {
                continue;
            }

            using var count = command(sql.CountWindow);
            d.Add(count, "scope", d.SmallInteger((int)window.Scope));
            d.Add(count, "scopeId", window.Id);
            d.Add(count, "kind", d.SmallInteger((int)window.Kind));
            d.Add(count, "from", d.Time(window.From));
            d.Add(count, "since", d.Time(window.Since));
            d.Add(count, "start", d.Time(window.Start));
            d.Add(count, "now", d.Time(startedAt));
            d.Add(count, "tokens", window.Kind == QuotaWindowKind.Minute ? inputTokens : tokens);
            d.Add(count, "requestLimit", window.RequestLimit);
            d.Add(count, "tokenLimit", window.TokenLimit);
            _ = await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!keyFound)
        {
            return null;
        }

        var becameExceeded = false;
        if (status == ApiKeyStatus.Active && limit is { } l && usedAfter >= l)
        {
            var reason = string.Create(CultureInfo.InvariantCulture, $"Lifetime token limit of {l} reached ({usedAfter} used).");
            becameExceeded = await markExceeded(keyId, reason).ConfigureAwait(false);
            status = ApiKeyStatus.Exceeded;
        }

        return new QuotaSettlement("unreserved:" + keyId, keyId, tokens, usedAfter, limit, status, becameExceeded);
    }

    /// <summary>Releases a reservation without usage: its held tokens go back to the key and the four windows.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="command">Creates a command for SQL text on the current connection and transaction.</param>
    /// <param name="sql">The provider's statements.</param>
    /// <param name="reservationId">The reservation.</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>Whether the reservation existed.</returns>
    public static async Task<bool> ReleaseAsync(RelationalDialect d, Func<string, DbCommand> command, RelationalStatements sql, string reservationId, CancellationToken cancellationToken)
    {
        if (await DeleteReservationAsync(d, command, sql, reservationId, cancellationToken).ConfigureAwait(false) is not { } held)
        {
            return false;
        }

        using (var key = command(sql.ReleaseKey))
        {
            d.Add(key, "id", held.KeyId);
            d.Add(key, "reserved", held.Tokens);
            await key.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await AdjustWindowsAsync(d, command, sql, held, -held.InputTokens, -held.Tokens, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task<HeldReservation?> DeleteReservationAsync(RelationalDialect d, Func<string, DbCommand> command, RelationalStatements sql, string reservationId, CancellationToken cancellationToken)
    {
        using var delete = command(sql.DeleteReservation);
        d.Add(delete, "id", reservationId);
        var reader = await delete.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new HeldReservation(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), d.ReadTime(reader, 3), d.ReadTime(reader, 4), reader.GetInt64(5))
                : null;
        }
    }

    private static async Task AdjustWindowsAsync(RelationalDialect d, Func<string, DbCommand> command, RelationalStatements sql, HeldReservation held, long minuteDelta, long dayDelta, CancellationToken cancellationToken)
    {
        if (minuteDelta == 0 && dayDelta == 0)
        {
            return;
        }

        using var adjust = command(sql.AdjustWindowTokens);
        d.Add(adjust, "minuteDelta", minuteDelta);
        d.Add(adjust, "dayDelta", dayDelta);
        d.Add(adjust, "keyId", held.KeyId);
        d.Add(adjust, "projectId", held.ProjectId);
        d.Add(adjust, "minute", d.Time(held.MinuteWindowStart));
        d.Add(adjust, "day", d.Time(held.DayWindowStart));
        await adjust.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed record HeldReservation(string KeyId, string ProjectId, long Tokens, DateTimeOffset MinuteWindowStart, DateTimeOffset DayWindowStart, long InputTokens);
}
