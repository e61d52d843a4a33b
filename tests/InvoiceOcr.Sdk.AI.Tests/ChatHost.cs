using System.Diagnostics;
using System.Diagnostics.Metrics;
using InvoiceOcr.Emulator;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace InvoiceOcr.Sdk.AI.Tests;

/// <summary>
/// One application: the SDK (in-memory store) with its chat client behind M.E.AI's own middleware, in the order a call takes
/// it — distributed cache (in memory), OpenTelemetry, logging, then the SDK's client — over real HTTP on loopback to the
/// Gemini emulator. Listens to the OpenTelemetry middleware's meter and activity source (a name of its own per host).
/// </summary>
internal sealed class ChatHost : IAsyncDisposable
{
    public const string Secret = "test-key-chat-0001";
    public const string Model = "gemini-2.5-flash";
    public const int ThoughtsTokens = 37;

    private readonly MeterListener _meterListener = new();
    private readonly ActivityListener _activityListener;
    private readonly Lock _gate = new();
    private readonly List<(string TokenType, long Tokens)> _tokenUsage = [];
    private readonly List<Activity> _activities = [];

    private ChatHost(ServiceProvider services, string telemetrySource)
    {
        Services = services;
        _meterListener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == telemetrySource && instrument.Name == "gen_ai.client.token.usage")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _meterListener.SetMeasurementEventCallback<int>((_, value, tags, _) => Record(value, tags));
        _meterListener.SetMeasurementEventCallback<long>((_, value, tags, _) => Record(value, tags));
        _meterListener.Start();
        _activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == telemetrySource,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (_gate)
                {
                    _activities.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_activityListener);
    }

    public ServiceProvider Services { get; }

    public IChatClient Chat => Services.GetRequiredService<IChatClient>();

    public IUsageLedger Ledger => Services.GetRequiredService<IUsageLedger>();

    public FakeLogCollector Logs => Services.GetFakeLogCollector();

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The gen_ai.client.token.usage measurements, summed per token type.</summary>
    public IReadOnlyDictionary<string, long> TokenUsageByType()
    {
        lock (_gate)
        {
            return _tokenUsage.GroupBy(static m => m.TokenType).ToDictionary(static g => g.Key, static g => g.Sum(static m => m.Tokens));
        }
    }

    public IReadOnlyList<Activity> Activities()
    {
        lock (_gate)
        {
            return [.. _activities];
        }
    }

    /// <summary>An emulator whose model thinks (so thoughts are billed) and caches any repeated prompt prefix of 16+ tokens.</summary>
    public static Task<GeminiEmulator> StartEmulatorAsync(IEmulatorAnswerSource? answers = null)
    {
        var options = new GeminiEmulatorOptions();
        options.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-chat", Project = "project-chat" });
        options.Models.Add(new EmulatorModelOptions { Id = Model, ThoughtsTokens = ThoughtsTokens, ImplicitCaching = true, MinCacheTokens = 16 });
        if (answers is not null)
        {
            options.AnswerSources.Add(answers);
        }

        return GeminiEmulator.StartAsync(options);
    }

    public static async Task<ChatHost> StartAsync(GeminiEmulator emulator, string company, QuotaLimits? rates = null, bool cache = false)
    {
        var telemetrySource = "InvoiceOcr.Sdk.AI.Tests." + Guid.NewGuid().ToString("N");
        var services = new ServiceCollection();
        services.AddFakeLogging().AddLogging(static logging => logging.SetMinimumLevel(LogLevel.Trace));
        services.AddDistributedMemoryCache();
        var chat = services.AddInvoiceOcr(options =>
        {
            options.Gemini.BaseAddress = emulator.BaseAddress;
            options.Gemini.Model = Model;
            options.Retry.InitialDelay = TimeSpan.FromMilliseconds(10);
            options.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        }).AddChatClient();
        if (cache)
        {
            chat.UseDistributedCache();
        }

        chat.UseOpenTelemetry(sourceName: telemetrySource).UseLogging();

        var host = new ChatHost(services.BuildServiceProvider(validateScopes: true), telemetrySource);
        var added = await host.Services.GetRequiredService<IApiKeyStore>().AddAsync(
            new ApiKey { Id = "key-chat", CompanyId = company, Secret = Secret, ProjectId = "project-chat", Rates = rates ?? QuotaLimits.None },
            Ct);
        Assert.True(added);
        return host;
    }

    public static ChatOptions For(string company, ChatOptions? options = null)
    {
        options ??= new ChatOptions();
        (options.AdditionalProperties ??= [])[InvoiceOcrChatProperties.CompanyId] = company;
        return options;
    }

    public async Task<IReadOnlyList<UsageRecord>> LedgerAsync(string company) => await Ledger.ListAsync(new UsageQuery(company), Ct);

    public async ValueTask DisposeAsync()
    {
        _meterListener.Dispose();
        _activityListener.Dispose();
        await Services.DisposeAsync();
    }

    private void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "gen_ai.token.type" && tag.Value is string type)
            {
                lock (_gate)
                {
                    _tokenUsage.Add((type, value));
                }
            }
        }
    }
}
