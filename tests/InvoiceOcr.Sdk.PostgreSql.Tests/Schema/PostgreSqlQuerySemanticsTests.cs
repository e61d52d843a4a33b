using InvoiceOcr.Sdk.PostgreSql.Internal;
using InvoiceOcr.Sdk.PostgreSql.Schema;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Q = InvoiceOcr.Sdk.PostgreSql.Store.PostgreSqlQueries;

namespace InvoiceOcr.Sdk.PostgreSql.Tests.Schema;

/// <summary>The statements whose PostgreSQL form differs most from the other stores', run on the server one by one.</summary>
public sealed class PostgreSqlQuerySemanticsTests
{
    private static readonly DateTimeOffset Minute = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CountWindow_UpToTheLimits_CountsThenRefusesWithoutChangingTheRow()
    {
        await using var schema = await PostgreSqlTestSchema.CreateAsync();
        await using var database = await MigratedAsync(schema);
        await using var connection = await database.OpenAsync(Ct);

        // Request limit 2, token limit 1,000: 600 fits, 300 fits, a third request does not; a fresh window refuses 1,200 tokens.
        Assert.True(await CountAsync(connection, database, "k-1", 600, 2, 1_000));
        Assert.True(await CountAsync(connection, database, "k-1", 300, 2, 1_000));
        Assert.False(await CountAsync(connection, database, "k-1", 10, 2, 1_000));
        Assert.False(await CountAsync(connection, database, "k-2", 1_200, 2, 1_000));
        Assert.True(await CountAsync(connection, database, "k-3", 1_200, null, null));

        Assert.Equal((2L, 900L), await WindowAsync(connection, database, "k-1"));
        Assert.Equal((0L, 0L), await WindowAsync(connection, database, "k-2"));
        Assert.Equal((1L, 1_200L), await WindowAsync(connection, database, "k-3"));
    }

    [Fact]
    public async Task CountWindow_OldestSlotLastCountedAtOrBeforeSince_LeavesTheSlidingWindow()
    {
        await using var schema = await PostgreSqlTestSchema.CreateAsync();
        await using var database = await MigratedAsync(schema);
        await using var connection = await database.OpenAsync(Ct);
        Assert.True(await CountAsync(connection, database, "k-1", 100, 1, null));

        // 60 s minus a tick later the slot at Minute is the window's oldest and still counts; 60 s later it has left.
        Assert.False(await CountAsync(connection, database, "k-1", 100, 1, null, Minute.AddMinutes(1).AddTicks(-1)));
        Assert.True(await CountAsync(connection, database, "k-1", 100, 1, null, Minute.AddMinutes(1)));

        Assert.Equal((2L, 200L), await WindowAsync(connection, database, "k-1"));
    }

    [Fact]
    public async Task AdjustWindowTokens_NegativeDelta_NeverGoesBelowZero()
    {
        await using var schema = await PostgreSqlTestSchema.CreateAsync();
        await using var database = await MigratedAsync(schema);
        await using var connection = await database.OpenAsync(Ct);
        Assert.True(await CountAsync(connection, database, "k-1", 500, null, null));

        await using var adjust = new NpgsqlCommand(database.Sql(Q.AdjustWindowTokens), connection);
        adjust.Parameters.AddWithValue("minuteDelta", -800L);
        adjust.Parameters.AddWithValue("dayDelta", 0L);
        adjust.Parameters.AddWithValue("keyId", "k-1");
        adjust.Parameters.AddWithValue("projectId", "p-1");
        adjust.Parameters.AddWithValue("minute", Minute);
        adjust.Parameters.AddWithValue("day", Minute.AddHours(-2));
        Assert.Equal(1, await adjust.ExecuteNonQueryAsync(Ct));

        Assert.Equal((1L, 0L), await WindowAsync(connection, database, "k-1"));
    }

    private static async Task<PostgreSqlDatabase> MigratedAsync(PostgreSqlTestSchema schema)
    {
        var database = new PostgreSqlDatabase(schema.Options());
        await new PostgreSqlMigrator(database, schema.Options(), NullLogger<PostgreSqlMigrator>.Instance).MigrateAsync(Ct);
        return database;
    }

    private static async Task<bool> CountAsync(NpgsqlConnection connection, PostgreSqlDatabase database, string keyId, long tokens, int? requestLimit, long? tokenLimit, DateTimeOffset? at = null)
    {
        // The minute window's parameters as QuotaAdmission.Windows computes them at the instant.
        var now = at ?? Minute;
        await using var count = new NpgsqlCommand(database.Sql(Q.CountWindow), connection);
        count.Parameters.AddWithValue("scope", (short)0);
        count.Parameters.AddWithValue("scopeId", keyId);
        count.Parameters.AddWithValue("kind", (short)0);
        count.Parameters.AddWithValue("from", QuotaWindows.SlidingMinuteStart(now));
        count.Parameters.AddWithValue("since", QuotaWindows.SlidingMinuteSince(now));
        count.Parameters.AddWithValue("start", QuotaWindows.SlotStart(now));
        count.Parameters.AddWithValue("now", now);
        count.Parameters.AddWithValue("tokens", tokens);
        count.Parameters.AddWithValue("requestLimit", (object?)requestLimit ?? DBNull.Value);
        count.Parameters.AddWithValue("tokenLimit", (object?)tokenLimit ?? DBNull.Value);
        return await count.ExecuteScalarAsync(Ct) is not null;
    }

    private static async Task<(long Requests, long Tokens)> WindowAsync(NpgsqlConnection connection, PostgreSqlDatabase database, string keyId)
    {
        await using var select = new NpgsqlCommand(database.Sql(Q.SelectWindow), connection);
        select.Parameters.AddWithValue("scope", (short)0);
        select.Parameters.AddWithValue("scopeId", keyId);
        select.Parameters.AddWithValue("kind", (short)0);
        select.Parameters.AddWithValue("from", Minute.AddHours(-1));
        await using var reader = await select.ExecuteReaderAsync(Ct);
        long requests = 0, tokens = 0;
        while (await reader.ReadAsync(Ct))
        {
            requests += reader.GetInt64(1);
            tokens += reader.GetInt64(2);
        }

        return (requests, tokens);
    }
}
