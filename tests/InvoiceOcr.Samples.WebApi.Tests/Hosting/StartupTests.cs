using System.Collections.Concurrent;
using InvoiceOcr.Samples.WebApi.Hosting;
using InvoiceOcr.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.WebApi.Tests.Hosting;

/// <summary>The app refuses to start with an unsafe or incomplete configuration, and says which setting to fix.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Start_ProductionWithoutAMasterKey_FailsNamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => WebApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:Sqlite:SecretProtection:CurrentKeyId"] = null,
            ["Storage:Sqlite:SecretProtection:MasterKeys:test"] = null,
        }));

        Assert.Contains("MasterKeys", error.Message, StringComparison.Ordinal);
        Assert.Contains("user-secrets", error.Message, StringComparison.Ordinal);
        Assert.Contains("--demo", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AdminKeyTooShort_FailsNamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => WebApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["Admin:ApiKey"] = "short",
        }));

        Assert.Contains("Admin:ApiKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_UnknownStorageProvider_Fails()
    {
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => WebApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Cassandra",
        }));
    }

    [Fact]
    public async Task Build_NoAdminKey_WarnsThatTheAdminApiIsClosedAndHowToSetTheKey()
    {
        var logs = new CapturingLoggerProvider();
        var directory = Path.Combine(Path.GetTempPath(), "invoiceocr-webapi-tests", Guid.NewGuid().ToString("N"));
        await using var app = InvoiceOcrWebApi.Build(
            new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = Path.Combine(SharedData.RepositoryRoot, "samples", "InvoiceOcr.Samples.WebApi") },
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Storage:Provider"] = "InMemory",
                    ["SampleDatabase:Path"] = Path.Combine(directory, "webapi.db"),
                });
                builder.Logging.ClearProviders();
                builder.Logging.AddProvider(logs);
            });

        var warning = Assert.Single(logs.Messages, m => m.Contains("Admin:ApiKey", StringComparison.Ordinal));
        Assert.Contains("user-secrets", warning, StringComparison.Ordinal);
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Messages);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    messages.Enqueue(formatter(state, exception));
                }
            }
        }
    }
}
