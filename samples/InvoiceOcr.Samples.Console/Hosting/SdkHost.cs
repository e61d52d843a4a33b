using System.Globalization;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Sdk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.ConsoleApp.Hosting;

/// <summary>
/// The SDK registered exactly as an application registers it (<c>AddInvoiceOcr(...).AddSqliteStore(...)</c> or
/// <c>.AddSqlServerStore(...)</c>) inside a generic host, so the stores' start-up work (schema migration, outbox replay)
/// runs as hosted services and everything is flushed and disposed on the way out.
/// </summary>
internal sealed class SdkHost : IAsyncDisposable
{
    private const string ModeKey = InvoiceOcrOptions.SectionName + ":" + nameof(InvoiceOcrOptions.EInvoiceMode);

    private readonly IHost _host;
    private readonly IConfigurationRoot _configuration;

    private SdkHost(IHost host, IConfigurationRoot configuration)
    {
        _host = host;
        _configuration = configuration;
    }

    public IServiceProvider Services => _host.Services;

    public IInvoiceExtractor Extractor => Services.GetRequiredService<IInvoiceExtractor>();

    public IApiKeyStore Keys => Services.GetRequiredService<IApiKeyStore>();

    public IUsageLedger Ledger => Services.GetRequiredService<IUsageLedger>();

    /// <summary>Gets the batch-job API.</summary>
    public IInvoiceJobs Jobs => Services.GetRequiredService<IInvoiceJobs>();

    /// <summary>Gets a value indicating whether jobs live only in this process's memory (the store has no job tables).</summary>
    public bool JobsInMemory => Services.GetRequiredService<IInvoiceJobStore>() is InMemoryInvoiceJobStore;

    /// <summary>Gets the e-invoice mode extractions use now.</summary>
    public EInvoiceMode EInvoiceMode => Services.GetRequiredService<IOptionsMonitor<InvoiceOcrOptions>>().CurrentValue.EInvoiceMode;

    /// <summary>Builds and starts the host: options are validated and the database schema is created or migrated.</summary>
    /// <exception cref="CliException">The options or the database are not usable; the message says which setting to fix.</exception>
    public static async Task<SdkHost> StartAsync(SdkHostSettings settings, CliContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var masterKey = MasterKeySource.Resolve(settings.Store, context);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = context.WorkingDirectory });

        // The e-invoice mode lives in configuration, so it can change between extractions by reloading (the demo shows both).
        builder.Configuration.AddInMemoryCollection([new KeyValuePair<string, string?>(ModeKey, settings.EInvoiceMode.ToString())]);

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(settings.Verbose ? LogLevel.Information : LogLevel.Warning);
        if (settings.Verbose)
        {
            // -v: everything the SDK says, with exceptions in full.
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }
        else
        {
            // Without -v the SDK's warnings are expected events (a refused reservation, a retried attempt, a failover)
            // whose outcome the command reports per document with its kind and a hint; only its errors are shown, briefly.
            builder.Logging.AddFilter("InvoiceOcr", LogLevel.Error);
            builder.Logging.AddConsole(o => o.FormatterName = BriefConsoleFormatter.FormatterName);
            builder.Logging.AddConsoleFormatter<BriefConsoleFormatter, ConsoleFormatterOptions>();
        }

        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        // Start-up failures are rethrown to the command, which reports them once, with the setting to fix.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Services.AddSingleton<IHostLifetime, CommandLineLifetime>();

        var sdk = builder.Services.AddInvoiceOcr(builder.Configuration.GetSection(InvoiceOcrOptions.SectionName))
            .Configure(options =>
            {
                if (settings.Endpoint is { } endpoint)
                {
                    options.Gemini.BaseAddress = endpoint;
                }

                if (settings.Model is { Length: > 0 } model)
                {
                    options.Gemini.Model = model;
                }

                if (settings.ShortRetryDelays)
                {
                    options.Retry.InitialDelay = TimeSpan.FromMilliseconds(20);
                    options.Retry.MaxDelay = TimeSpan.FromMilliseconds(200);
                }
            });

        if (settings.Store.PostgreSqlConnectionString is { } postgres)
        {
            sdk.AddPostgreSqlStore(postgres, o =>
            {
                o.SecretProtection.CurrentKeyId = MasterKeySource.KeyId;
                o.SecretProtection.MasterKeys[MasterKeySource.KeyId] = masterKey;
            });
        }
        else if (settings.Store.SqlServerConnectionString is { } connectionString)
        {
            sdk.AddSqlServerStore(connectionString, o =>
            {
                o.SecretProtection.CurrentKeyId = MasterKeySource.KeyId;
                o.SecretProtection.MasterKeys[MasterKeySource.KeyId] = masterKey;
            });
        }
        else
        {
            Directory.CreateDirectory(Path.GetDirectoryName(settings.Store.SqlitePath)!);
            sdk.AddSqliteStore(settings.Store.SqlitePath!, o =>
            {
                o.SecretProtection.CurrentKeyId = MasterKeySource.KeyId;
                o.SecretProtection.MasterKeys[MasterKeySource.KeyId] = masterKey;
            });
        }

        // Batch jobs, after the store so a storage package's job store (if it has one) is the one used. The worker runs only
        // where a command asked for it; it looks for work often because a console user is watching.
        sdk.AddJobs(o =>
        {
            o.RunWorker = settings.RunJobWorker;
            o.PollInterval = TimeSpan.FromMilliseconds(100);
            if (settings.ShortRetryDelays)
            {
                o.RetryDelay = TimeSpan.FromSeconds(1);
            }
        });

        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException ex)
        {
            host.Dispose();
            throw new CliException("Invalid settings: " + string.Join(" ", ex.Failures), ex);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            host.Dispose();
            throw new CliException(string.Create(CultureInfo.InvariantCulture, $"The database is not usable ({settings.Store.Describe(context)}): {ex.Message}"), ex);
        }
        catch (Exception)
        {
            host.Dispose();
            throw;
        }

        return new SdkHost(host, builder.Configuration);
    }

    /// <summary>Switches the e-invoice mode for the next extractions, through a configuration reload like any option change.</summary>
    public void SetEInvoiceMode(EInvoiceMode mode)
    {
        _configuration[ModeKey] = mode.ToString();
        _configuration.Reload();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            if (_host is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                _host.Dispose();
            }
        }
    }
}
