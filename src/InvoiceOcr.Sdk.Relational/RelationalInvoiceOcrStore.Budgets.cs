using System.Data.Common;

namespace InvoiceOcr.Sdk.Relational;

/// <content>
/// Monthly budgets in money (<see cref="IBudgetStore"/>). Each method is one write transaction; the reservation is one
/// conditional UPDATE of the company's month row, so concurrent reservations in any number of processes are serialized by
/// the row lock (the database lock in SQLite) and can never together pass the limit. Lock order: reserve takes the month
/// row, then inserts its reservation; settle deletes its reservation, then updates the month row.
/// </content>
public abstract partial class RelationalInvoiceOcrStore : IBudgetStore
{
    /// <inheritdoc />
    public Task<BudgetReservationResult> ReserveBudgetAsync(BudgetReservationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Nanos);
        return WriteOrRollbackAsync(
            RelationalWork.Quota,
            async (connection, transaction) =>
            {
                var now = Dialect.Time(await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false));
                var month = Dialect.Date(request.Month);
                using (var ensure = Command(connection, transaction, Statements.EnsureBudgetMonth, ("companyId", request.CompanyId), ("month", month), ("now", now)))
                {
                    await ensure.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                int reserved;
                using (var reserve = Command(
                    connection,
                    transaction,
                    Statements.ReserveBudget,
                    ("companyId", request.CompanyId),
                    ("month", month),
                    ("nanos", request.Nanos),
                    ("limit", request.LimitNanos),
                    ("now", now)))
                {
                    reserved = await reserve.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                if (reserved == 1)
                {
                    using var insert = Command(
                        connection,
                        transaction,
                        Statements.InsertBudgetReservation,
                        ("id", request.ReservationId),
                        ("companyId", request.CompanyId),
                        ("month", month),
                        ("nanos", request.Nanos),
                        ("now", now),
                        ("expires", Dialect.Time(request.ExpiresAt)));
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                var usage = await ReadBudgetMonthAsync(connection, transaction, request.CompanyId, month, cancellationToken).ConfigureAwait(false);
                return (new BudgetReservationResult(reserved == 1, usage), reserved == 1);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<BudgetMonthUsage?> SettleBudgetAsync(string reservationId, long actualNanos, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservationId);
        ArgumentOutOfRangeException.ThrowIfNegative(actualNanos);
        return WriteAsync(
            RelationalWork.Quota,
            (connection, transaction) => SettleBudgetAsync(connection, transaction, reservationId, actualNanos, chargeReservation: false, cancellationToken),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<BudgetMonthUsage> GetBudgetMonthAsync(string companyId, DateOnly month, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(companyId);
        return ReadAsync(connection => ReadBudgetMonthAsync(connection, null, companyId, Dialect.Date(month), cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<int> ReclaimExpiredBudgetReservationsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var expired = await ReadAsync(
            async connection =>
            {
                using var select = Command(connection, null, Statements.SelectExpiredBudgetReservations, ("now", Dialect.Time(now)));
                return await ReadAllAsync(select, static r => r.GetString(0), cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        var charged = 0;
        foreach (var id in expired)
        {
            // One reservation per transaction, as the quota reclaim does: never hold one month's lock while waiting for another's.
            var settled = await WriteAsync(
                RelationalWork.Quota,
                (connection, transaction) => SettleBudgetAsync(connection, transaction, id, 0, chargeReservation: true, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            charged += settled is null ? 0 : 1;
        }

        return charged;
    }

    private async Task<BudgetMonthUsage?> SettleBudgetAsync(DbConnection connection, DbTransaction transaction, string reservationId, long actualNanos, bool chargeReservation, CancellationToken cancellationToken)
    {
        string companyId;
        object month;
        long held;
        using (var delete = Command(connection, transaction, Statements.DeleteBudgetReservation, ("id", reservationId)))
        {
            var reader = await delete.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                companyId = reader.GetString(0);
                month = Dialect.Date(Dialect.ReadDate(reader, 1));
                held = reader.GetInt64(2);
            }
        }

        var now = Dialect.Time(await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false));
        using var settle = Command(
            connection,
            transaction,
            Statements.SettleBudget,
            ("companyId", companyId),
            ("month", month),
            ("actual", chargeReservation ? held : actualNanos),
            ("reserved", held),
            ("now", now));
        var settleReader = await settle.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (settleReader.ConfigureAwait(false))
        {
            return await settleReader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new BudgetMonthUsage(settleReader.GetInt64(0), settleReader.GetInt64(1))
                : null;
        }
    }

    private async Task<BudgetMonthUsage> ReadBudgetMonthAsync(DbConnection connection, DbTransaction? transaction, string companyId, object month, CancellationToken cancellationToken)
    {
        using var select = Command(connection, transaction, Statements.SelectBudgetMonth, ("companyId", companyId), ("month", month));
        var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new BudgetMonthUsage(reader.GetInt64(0), reader.GetInt64(1))
                : default;
        }
    }
}
