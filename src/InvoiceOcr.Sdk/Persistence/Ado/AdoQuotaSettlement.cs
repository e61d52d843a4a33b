using System.Data.Common;
using System.Globalization;

namespace InvoiceOcr.Sdk.Persistence.Ado;

/// <summary>
/// The settlement and release of a quota reservation, the same in every ADO.NET store: delete the reservation row
/// (which makes a second settle or release a no-op), move the key's used and reserved counters, correct the four
/// windows by the difference between the billed and the held tokens, and move the key to
/// <see cref="ApiKeyStatus.Exceeded"/> when the settlement reached its lifetime limit. The store runs it inside its
/// write transaction; the SQL text stays with each provider (<see cref="AdoQuotaSettlementSql"/>).
/// </summary>
internal static class AdoQuotaSettlement
{
    /// <summary>Settles a reservation with the tokens actually billed.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="command">Creates a command for SQL text on the current connection and transaction.</param>
    /// <param name="sql">The provider's statements.</param>
    /// <param name="reservationId">The reservation.</param>
    /// <param name="actualTokens">The tokens billed (not negative).</param>
    /// <param name="now">The store's current time.</param>
    /// <param name="markExceeded">Moves the key from <see cref="ApiKeyStatus.Active"/> to <see cref="ApiKeyStatus.Exceeded"/> with the given reason (recording the transition); returns whether it changed the status.</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>The settlement, or <see langword="null"/> when the reservation (or its key) no longer exists.</returns>
    public static async Task<QuotaSettlement?> SettleAsync(
        AdoDialect d,
        Func<string, DbCommand> command,
        AdoQuotaSettlementSql sql,
        string reservationId,
        long actualTokens,
        DateTimeOffset now,
        Func<string, string, Task<bool>> markExceeded,
        CancellationToken cancellationToken)
    {
        if (await DeleteReservationAsync(d, command, sql, reservationId, cancellationToken).ConfigureAwait(false) is not { } held)
        {
            return null;
        }

        var keyFound = false;
        long usedAfter = 0;
        long? limit = null;
        var status = ApiKeyStatus.Active;
        using (var settle = command(sql.SettleKey))
        {
            d.Add(settle, "id", held.KeyId);
            d.Add(settle, "actual", actualTokens);
            d.Add(settle, "reserved", held.Tokens);
            d.Add(settle, "now", d.Time(now));
            var reader = await settle.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    keyFound = true;
                    usedAfter = reader.GetInt64(0);
                    limit = AdoReader.NullableInt64(reader, 1);
                    status = (ApiKeyStatus)d.ReadSmallInteger(reader, 2);
                }
            }
        }

        // The windows held the reservation's estimate: correct them to what was billed, even when the key is gone.
        await AdjustWindowsAsync(d, command, sql, held, actualTokens - held.Tokens, cancellationToken).ConfigureAwait(false);
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

        return new QuotaSettlement(reservationId, held.KeyId, actualTokens, usedAfter, limit, status, becameExceeded);
    }

    /// <summary>Releases a reservation without usage: its held tokens go back to the key and the four windows.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="command">Creates a command for SQL text on the current connection and transaction.</param>
    /// <param name="sql">The provider's statements.</param>
    /// <param name="reservationId">The reservation.</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>Whether the reservation existed.</returns>
    public static async Task<bool> ReleaseAsync(AdoDialect d, Func<string, DbCommand> command, AdoQuotaSettlementSql sql, string reservationId, CancellationToken cancellationToken)
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

        await AdjustWindowsAsync(d, command, sql, held, -held.Tokens, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static async Task<HeldReservation?> DeleteReservationAsync(AdoDialect d, Func<string, DbCommand> command, AdoQuotaSettlementSql sql, string reservationId, CancellationToken cancellationToken)
    {
        using var delete = command(sql.DeleteReservation);
        d.Add(delete, "id", reservationId);
        var reader = await delete.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new HeldReservation(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), d.ReadTime(reader, 3), d.ReadTime(reader, 4))
                : null;
        }
    }

    private static async Task AdjustWindowsAsync(AdoDialect d, Func<string, DbCommand> command, AdoQuotaSettlementSql sql, HeldReservation held, long delta, CancellationToken cancellationToken)
    {
        if (delta == 0)
        {
            return;
        }

        using var adjust = command(sql.AdjustWindowTokens);
        d.Add(adjust, "delta", delta);
        d.Add(adjust, "keyId", held.KeyId);
        d.Add(adjust, "projectId", held.ProjectId);
        d.Add(adjust, "minute", d.Time(held.MinuteWindowStart));
        d.Add(adjust, "day", d.Time(held.DayWindowStart));
        await adjust.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed record HeldReservation(string KeyId, string ProjectId, long Tokens, DateTimeOffset MinuteWindowStart, DateTimeOffset DayWindowStart);
}

/// <summary>A provider's statements for <see cref="AdoQuotaSettlement"/>; parameter names without their prefix.</summary>
/// <param name="DeleteReservation">Deletes reservation <c>id</c> and returns its key, project, tokens, minute window start and day window start.</param>
/// <param name="SettleKey">Adds <c>actual</c> to key <c>id</c>'s used tokens, takes <c>reserved</c> from its reserved tokens (not below 0), stamps <c>now</c>, and returns used tokens, lifetime limit and status.</param>
/// <param name="ReleaseKey">Takes <c>reserved</c> from key <c>id</c>'s reserved tokens (not below 0).</param>
/// <param name="AdjustWindowTokens">Adds <c>delta</c> to the tokens (not below 0) of key <c>keyId</c>'s and project <c>projectId</c>'s windows starting at <c>minute</c> and <c>day</c>.</param>
internal sealed record AdoQuotaSettlementSql(string DeleteReservation, string SettleKey, string ReleaseKey, string AdjustWindowTokens);
