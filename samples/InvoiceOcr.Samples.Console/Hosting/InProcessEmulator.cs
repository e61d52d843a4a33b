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

    private InProcessEmulator(GeminiEmulator emulator, NoAnswerRecorder noAnswers, CliContext cli)
    {
        Emulator = emulator;
        NoAnswers = noAnswers;
        _cli = cli;
    }

    public GeminiEmulator Emulator { get; }

    /// <summary>Gets the record of documents the emulator had no answer for (see the emulator README's "Answers").</summary>
    public NoAnswerRecorder NoAnswers { get; }

    /// <summary>Returns whether a result is the emulator's empty "no answer" reply rather than an answer about the document.</summary>
    public bool HadNoAnswer(InvoiceOcr.Sdk.InvoiceExtractionResult result) => NoAnswers.WasUnanswered(result.DocumentSha256);

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

        // Last in the answer order: records the documents nothing could answer, so the console can say so.
        var noAnswers = NoAnswerRecorder.AddTo(options);
        return new InProcessEmulator(await GeminiEmulator.StartAsync(options, cancellationToken: cancellationToken).ConfigureAwait(false), noAnswers, cli);
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
