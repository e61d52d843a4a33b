using Spectre.Console;
using System.CommandLine;
using InvoiceOcr.Emulator;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using Microsoft.Extensions.Configuration;

namespace InvoiceOcr.Samples.ConsoleApp.Commands;

/// <summary><c>emulator</c>: run the bundled Gemini emulator in the foreground until Ctrl+C, like its own program.</summary>
internal static class EmulatorCommand
{
    public static Command Create(CliContext cli)
    {
        var port = new Option<int>("--port")
        {
            Description = "Port to listen on (0 = a free port).",
            DefaultValueFactory = _ => 8089,
            HelpName = "n",
            CustomParser = result => ValueParsers.ParseInt(result, 0, 65535) ?? 0,
        };
        var host = new Option<string?>("--host") { Description = "Address to listen on. Default: 127.0.0.1", HelpName = "ip" };
        var config = new Option<string?>("--config") { Description = "A JSON file binding GeminiEmulatorOptions (keys, projects, quotas, faults, answers); see src/InvoiceOcr.Emulator/README.md.", HelpName = "file" };
        var seed = ValueParsers.Int("--seed", "Seed for reproducible faults and latencies.", minimum: int.MinValue);
        var command = new Command("emulator", "Run the bundled Gemini emulator in the foreground (Ctrl+C stops it).") { port, host, config, seed };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), json: false, async () =>
        {
            var options = new GeminiEmulatorOptions { EnableConsoleLogging = true };
            if (parse.GetValue(config) is { Length: > 0 } file)
            {
                var path = cli.ResolvePath(file);
                if (!File.Exists(path))
                {
                    throw new CliException($"Config file not found: {path}");
                }

                try
                {
                    new ConfigurationBuilder().AddJsonFile(path, optional: false).Build().Bind(options);
                }
                catch (Exception ex) when (ex is InvalidOperationException or FormatException or InvalidDataException)
                {
                    throw new CliException($"Cannot read {path}: {ex.Message}", ex);
                }
            }

            options.Port = parse.GetResult(port) is { Implicit: false } || parse.GetValue(config) is null ? parse.GetValue(port) : options.Port;
            options.ListenAddress = parse.GetValue(host) ?? options.ListenAddress;
            options.Seed = parse.GetValue(seed) ?? options.Seed;

            GeminiEmulator emulator;
            try
            {
                emulator = await GeminiEmulator.StartAsync(options, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                throw new CliException(ex.Message, ex);
            }

            await using (emulator.ConfigureAwait(false))
            {
                cli.Out.MarkupLineInterpolated(
                    $"Gemini emulator listening on {emulator.BaseAddress} ({options.Keys.Count} keys, seed {options.Seed}). Ledger: {emulator.BaseAddress}emulator/ledger. Ctrl+C to stop.");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    cli.Out.MarkupLine("Stopping.");
                }
            }

            return ExitCodes.Success;
        }, CancellationToken.None));
        return command;
    }
}
