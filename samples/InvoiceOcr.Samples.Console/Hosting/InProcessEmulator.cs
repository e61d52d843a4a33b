using InvoiceOcr.Emulator;
using InvoiceOcr.Samples.ConsoleApp.Cli;

namespace InvoiceOcr.Samples.ConsoleApp.Hosting;

/// <summary>The bundled Gemini emulator, started on a free loopback port for the length of one command.</summary>
internal sealed class InProcessEmulator : IAsyncDisposable
{
    /// <summary>The emulator's key for simulated runs: obviously not a real Gemini key.</summary>
    public const string Secret = "test-key-demo-emulator-0001";

    /// <summary>The project the simulated key belongs to.</summary>
    public const string ProjectId = "demo-project";

    private readonly CliContext _cli;

    private InProcessEmulator(GeminiEmulator emulator, CliContext cli)
    {
        Emulator = emulator;
        _cli = cli;
    }

    public GeminiEmulator Emulator { get; }

    public Uri BaseAddress => Emulator.BaseAddress;

    /// <summary>Starts the emulator with the simulated key and, optionally, canned answers by document SHA-256.</summary>
    public static async Task<InProcessEmulator> StartAsync(CliContext cli, IReadOnlyDictionary<string, string>? answers, CancellationToken cancellationToken)
    {
        var options = new GeminiEmulatorOptions { Seed = 42 };
        options.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emulator-demo-key", Project = ProjectId });
        foreach (var (sha256, answer) in answers ?? new Dictionary<string, string>())
        {
            options.Answers[sha256] = answer;
        }

        return new InProcessEmulator(await GeminiEmulator.StartAsync(options, cancellationToken: cancellationToken).ConfigureAwait(false), cli);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_cli.EmulatorStopping is { } stopping)
            {
                await stopping(Emulator).ConfigureAwait(false);
            }
        }
        finally
        {
            await Emulator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
