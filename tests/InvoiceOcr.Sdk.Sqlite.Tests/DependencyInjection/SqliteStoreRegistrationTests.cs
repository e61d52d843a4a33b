using System.Diagnostics.Metrics;
using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Sqlite.Tests.DependencyInjection;

public sealed class SqliteStoreRegistrationTests : IDisposable
{
    private readonly TestDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _database.Dispose();

    private IHost BuildHost(Action<SqliteStoreOptions>? configure = null, Action<ILoggingBuilder>? logging = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.Services.AddInvoiceOcr().AddSqliteStore(_database.DatabasePath, o =>
        {
            TestDatabase.Configure(o);
            configure?.Invoke(o);
        });
        builder.Services.AddHealthChecks().AddInvoiceOcrSqliteStore();
        return builder.Build();
    }

    [Fact]
    public async Task AddSqliteStore_HostStarts_MigratesAndRegistersEveryAbstraction()
    {
        using var host = BuildHost();

        await host.StartAsync(Ct);

        var store = host.Services.GetRequiredService<SqliteInvoiceOcrStore>();
        Assert.Same(store, host.Services.GetRequiredService<IApiKeyStore>());
        Assert.Same(store, host.Services.GetRequiredService<IQuotaStore>());
        Assert.Same(store, host.Services.GetRequiredService<IUsageLedger>());
        Assert.Same(store, host.Services.GetRequiredService<IRetryAttemptStore>());
        Assert.Same(store, host.Services.GetRequiredService<IOperationStore>()); // Durable operations, not the process-local stand-in.
        Assert.IsType<DurableUsageLogger>(host.Services.GetRequiredService<IUsageLogger>());
        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);
        Assert.Equal(HealthStatus.Healthy, health.Status);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task AddSqliteStore_AutoMigrateOffAndSchemaBehind_StartFailsNamingTheFix()
    {
        using var host = BuildHost(o => o.AutoMigrate = false);

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => host.StartAsync(Ct));

        Assert.Contains("AutoMigrate", error.Message, StringComparison.Ordinal);
        Assert.Contains("SqliteStoreSchema.GetInstallScript()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSqliteStore_NoMasterKey_StartFailsWithOptionsValidation()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddInvoiceOcr().AddSqliteStore(_database.DatabasePath);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("MasterKeys", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthCheck_SchemaBehind_IsUnhealthy()
    {
        using var host = BuildHost(o => o.AutoMigrate = false);
        await using (var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync(Ct); // Creates an empty database file.
        }

        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Ct);

        Assert.Equal(HealthStatus.Unhealthy, health.Status);
    }

    [Fact]
    public async Task AddInvoiceOcrDatabase_LogsWithAKey_WritesScrubbedRowsToApplicationLogs()
    {
        using var host = BuildHost(logging: l => l.AddInvoiceOcrDatabase(o => o.MinimumLevel = LogLevel.Information));
        await host.StartAsync(Ct);
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Tests.Category");

        using (logger.BeginScope(new Dictionary<string, object?> { ["CompanyId"] = "c-42" }))
        {
            logger.LogError(new InvalidOperationException("boom with key=test-key-abcdef123456"), "Call failed for key {Key}", "test-key-abcdef123456");
        }

        logger.LogDebug("below the minimum level");
        await host.StopAsync(Ct);
        host.Dispose(); // Drains the logger's queue.

        await using var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False");
        await connection.OpenAsync(Ct);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Level, Category, Message, Exception, CompanyId FROM ApplicationLogs WHERE Category = 'Tests.Category';";
        using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        Assert.Equal((int)LogLevel.Error, reader.GetInt32(0));
        Assert.Equal("Call failed for key [redacted]", reader.GetString(2));
        Assert.DoesNotContain("test-key-", reader.GetString(3), StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException", reader.GetString(3), StringComparison.Ordinal);
        Assert.Equal("c-42", reader.GetString(4));
        Assert.False(await reader.ReadAsync(Ct), "Only the error entry is at or above the minimum level.");
    }

    [Fact]
    public async Task AddSqliteStore_FromConfiguration_BindsPathAndMasterKeys()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:DatabasePath"] = _database.DatabasePath,
            ["Store:AutoMigrate"] = "true",
            ["Store:SecretProtection:CurrentKeyId"] = "k1",
            ["Store:SecretProtection:MasterKeys:k1"] = TestDatabase.MasterKey,
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddInvoiceOcr().AddSqliteStore(configuration.GetSection("Store"));
        using var host = builder.Build();

        await host.StartAsync(Ct);
        var keys = host.Services.GetRequiredService<IApiKeyStore>();
        Assert.True(await keys.AddAsync(new ApiKey { Id = "k-1", CompanyId = "c-1", ProjectId = "p-1", Secret = "test-key-config-0123456789" }, Ct));
        Assert.Equal("test-key-config-0123456789", (await keys.GetAsync("k-1", Ct))!.Secret);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task AddSqliteStore_LedgerDurabilityFromConfiguration_ReachesTheLedgerCommits()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:DatabasePath"] = _database.DatabasePath,
            ["Store:LedgerDurability"] = "SurvivesProcessCrash",
            ["Store:SecretProtection:CurrentKeyId"] = "k1",
            ["Store:SecretProtection:MasterKeys:k1"] = TestDatabase.MasterKey,
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddInvoiceOcr().AddSqliteStore(configuration.GetSection("Store"));
        using var host = builder.Build();
        await host.StartAsync(Ct);
        var store = host.Services.GetRequiredService<SqliteInvoiceOcrStore>();
        long? synchronous = null;
        store.Committing = (connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "PRAGMA synchronous;";
            synchronous = (long)command.ExecuteScalar()!;
        };

        await store.AppendAsync(Storage.SqliteOutageTests.Record("u-1"), Ct);

        Assert.Equal(SqliteLedgerDurability.SurvivesProcessCrash, host.Services.GetRequiredService<IOptions<SqliteStoreOptions>>().Value.LedgerDurability);
        Assert.Equal(1, synchronous);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task AddSqliteStore_UndefinedLedgerDurability_StartFailsWithOptionsValidation()
    {
        using var host = BuildHost(o => o.LedgerDurability = (SqliteLedgerDurability)7);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("LedgerDurability", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSqliteStore_RetentionFromConfiguration_ReachesThePurgerRunByAHostedService()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:DatabasePath"] = _database.DatabasePath,
            ["Store:Retention:ApplicationLogs"] = "7.00:00:00",
            ["Store:Retention:BatchPause"] = "00:00:00",
            ["Store:SecretProtection:CurrentKeyId"] = "k1",
            ["Store:SecretProtection:MasterKeys:k1"] = TestDatabase.MasterKey,
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddInvoiceOcr().AddSqliteStore(configuration.GetSection("Store"));
        using var host = builder.Build();
        await host.StartAsync(Ct);
        var store = host.Services.GetRequiredService<SqliteInvoiceOcrStore>();
        var now = DateTimeOffset.UtcNow;
        await ((IApplicationLogSink)store).WriteAsync(
            [
                new ApplicationLogEntry { Timestamp = now.AddDays(-8), Level = LogLevel.Warning, Category = "Test", Message = "old" },
                new ApplicationLogEntry { Timestamp = now.AddDays(-6), Level = LogLevel.Warning, Category = "Test", Message = "young" },
            ],
            Ct);

        var purged = await host.Services.GetRequiredService<RelationalRetentionPurger>().PurgeAsync(Ct);

        // The hosted service purges once at start too, and may be the one that deleted the old entry: what counts is what
        // is left, 7 days from configuration (not the 30-day default), and that nothing younger was touched.
        Assert.InRange(purged[RelationalRetentionTable.ApplicationLogs], 0, 1);
        Assert.Equal(0, purged[RelationalRetentionTable.RetryAttempts]); // kept 90 days by default
        await using (var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var select = connection.CreateCommand();
            select.CommandText = "SELECT group_concat(Message, ',') FROM ApplicationLogs WHERE Category = 'Test';";
            Assert.Equal("young", await select.ExecuteScalarAsync(Ct));
        }

        Assert.Contains(host.Services.GetServices<IHostedService>(), s => s.GetType().Name == "RelationalRetentionService");
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task AddSqliteStore_RetentionBatchAtTheLockEscalationThreshold_StartFailsWithOptionsValidation()
    {
        using var host = BuildHost(o =>
        {
            o.Retention.BatchSize = 5_000;
            o.Retention.RetryAttempts = TimeSpan.Zero;
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("SqliteStoreOptions.Retention.BatchSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("SqliteStoreOptions.Retention.RetryAttempts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSqliteStore_StoreOperations_EachRecordsItsDurationWithTheSemanticConventionTags()
    {
        using var host = BuildHost();
        await host.StartAsync(Ct);
        var store = host.Services.GetRequiredService<SqliteInvoiceOcrStore>();
        using var durations = new StoreOperationDurations(host.Services.GetRequiredService<IMeterFactory>());

        await store.AddAsync(new ApiKey { Id = "k-1", CompanyId = "c-1", ProjectId = "p-1", Secret = "test-key-metrics-0001" }, Ct);
        var reservation = (await store.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 100, TimeSpan.FromMinutes(5)), Ct)).Reservation!;
        _ = await store.ListByCompanyAsync("c-1", Ct);
        _ = await host.Services.GetRequiredService<IInvoiceJobStore>().ListJobsAsync("c-1", Ct); // the batch-job store shares the instrument
        store.Committing = (_, _) => throw new InvalidOperationException("Injected commit failure.");
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SettleAsync(reservation.Id, 90, Ct));
        store.Committing = null;

        var measured = durations.Of("add", "reserve", "list_by_company", "list_jobs", "settle");
        Assert.Equal(["add", "reserve", "list_by_company", "list_jobs", "settle"], measured.Select(static m => m.Operation));
        Assert.All(measured, static m => Assert.Equal("sqlite", m.System));
        Assert.All(measured, static m => Assert.InRange(m.Seconds, 0, 60));
        Assert.Equal([null, null, null, null, typeof(InvalidOperationException).FullName], measured.Select(static m => m.ErrorType));
        await host.StopAsync(Ct);
    }
}
