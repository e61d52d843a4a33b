using InvoiceOcr.Sdk.PostgreSql.Internal;
using InvoiceOcr.Sdk.PostgreSql.Schema;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace InvoiceOcr.Sdk.PostgreSql.Tests.Schema;

public sealed class PostgreSqlMigratorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MigrateAsync_EmptyDatabase_CreatesEveryTableAndRecordsTheVersionOnce()
    {
        await using var schema = await PostgreSqlTestSchema.CreateAsync();
        await using var database = new PostgreSqlDatabase(schema.Options());
        var migrator = Migrator(database, schema.Options());

        Assert.Equal(0, await migrator.GetVersionAsync(Ct));
        Assert.Equal(Enumerable.Range(1, PostgreSqlStoreSchema.CurrentVersion), await migrator.MigrateAsync(Ct));
        Assert.Empty(await migrator.MigrateAsync(Ct));

        Assert.Equal(PostgreSqlStoreSchema.CurrentVersion, await migrator.GetVersionAsync(Ct));
        await migrator.EnsureCurrentAsync(Ct);
        // Version 1's nine tables, Operations and OperationAttempts, the three job tables, BudgetMonths, BudgetReservations and InvoiceJobBatches.
        Assert.Equal(17L, await schema.ScalarAsync("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '{schema}' AND table_type = 'BASE TABLE' AND table_name <> 'SchemaVersion';"));
        Assert.Equal(4L, await schema.ScalarAsync("SELECT COUNT(*) FROM information_schema.views WHERE table_schema = '{schema}';"));
        Assert.Equal((long)PostgreSqlStoreSchema.CurrentVersion, await schema.ScalarAsync("SELECT COUNT(*) FROM \"{schema}\".\"SchemaVersion\";"));
    }

    [Fact]
    public async Task MigrateAsync_EightInstancesAtOnce_MigrateOnceWithoutError()
    {
        await using var schema = await PostgreSqlTestSchema.CreateAsync();
        var databases = Enumerable.Range(0, 8).Select(_ => new PostgreSqlDatabase(schema.Options())).ToList();
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var runs = databases.Select(d => Task.Run(async () =>
            {
                await start.Task;
                return await Migrator(d, schema.Options()).MigrateAsync(Ct);
            })).ToArray();
            start.SetResult();
            var applied = await Task.WhenAll(runs);

            // The advisory lock serializes them: exactly one applied the migration, the others found it done.
            Assert.Equal(1, applied.Count(a => a.Count == PostgreSqlStoreSchema.CurrentVersion));
            Assert.Equal(7, applied.Count(a => a.Count == 0));
            Assert.Equal((long)PostgreSqlStoreSchema.CurrentVersion, await schema.ScalarAsync("SELECT COUNT(*) FROM \"{schema}\".\"SchemaVersion\";"));
        }
        finally
        {
            foreach (var database in databases)
            {
                await database.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task MigrateAsync_AnotherInstanceHoldsTheLockPastTheTimeout_FailsAsStoreUnavailable()
    {
        await using var schema = await PostgreSqlTestSchema.CreateAsync();
        await using var holder = new NpgsqlConnection(schema.ConnectionString);
        await holder.OpenAsync(Ct);
        await using var transaction = await holder.BeginTransactionAsync(Ct);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key);", holder, transaction))
        {
            take.Parameters.AddWithValue("key", PostgreSqlMigrations.LockKey(schema.Schema));
            await take.ExecuteNonQueryAsync(Ct);
        }

        var options = schema.Options(o => o.MigrationLockTimeout = TimeSpan.FromMilliseconds(300));
        await using var database = new PostgreSqlDatabase(options);

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => Migrator(database, options).MigrateAsync(Ct));

        Assert.Equal(InvoiceOcrErrorKind.StoreUnavailable, error.Kind);
        Assert.Contains("migration lock", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("invoiceocr-test", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnsureCurrentAsync_SchemaBehind_FailsFastAndNamesTheFix()
    {
        await using var schema = await PostgreSqlTestSchema.CreateAsync();
        await using var database = new PostgreSqlDatabase(schema.Options());

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => Migrator(database, schema.Options()).EnsureCurrentAsync(Ct));

        Assert.Equal(InvoiceOcrErrorKind.StoreUnavailable, error.Kind);
        Assert.Contains("at version 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("GetInstallScript", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateAsync_SchemaNewerThanThePackage_IsRefused()
    {
        await using var schema = await PostgreSqlTestSchema.CreateAsync();
        await using var database = new PostgreSqlDatabase(schema.Options());
        var migrator = Migrator(database, schema.Options());
        await migrator.MigrateAsync(Ct);
        await schema.ScalarAsync("INSERT INTO \"{schema}\".\"SchemaVersion\" VALUES (999, '0999_Future', now());");

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => migrator.MigrateAsync(Ct));

        Assert.Contains("newer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetInstallScript_RunTwiceByHand_InstallsTheSchemaTheRunnerAccepts()
    {
        await using var schema = await PostgreSqlTestSchema.CreateAsync();
        var script = PostgreSqlStoreSchema.GetInstallScript(schema.Schema);
        for (var run = 0; run < 2; run++)
        {
            await using var connection = new NpgsqlConnection(schema.ConnectionString);
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand(script, connection);
            await command.ExecuteNonQueryAsync(Ct);
        }

        await using var database = new PostgreSqlDatabase(schema.Options());
        var migrator = Migrator(database, schema.Options());
        await migrator.EnsureCurrentAsync(Ct);
        Assert.Empty(await migrator.MigrateAsync(Ct));
    }

    [Theory]
    [InlineData("bad-name")]
    [InlineData("x\"; DROP TABLE y; --")]
    [InlineData("1abc")]
    public void GetInstallScript_SchemaNameNotAnIdentifier_Throws(string name)
    {
        Assert.Throws<ArgumentException>(() => PostgreSqlStoreSchema.GetInstallScript(name));
    }

    private static PostgreSqlMigrator Migrator(PostgreSqlDatabase database, PostgreSqlStoreOptions options) =>
        new(database, options, NullLogger<PostgreSqlMigrator>.Instance);
}
