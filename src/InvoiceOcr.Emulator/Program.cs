using System.Globalization;
using InvoiceOcr.Emulator;

// dotnet run --project src/InvoiceOcr.Emulator -- --port 8089 --config emulator.json
var options = new GeminiEmulatorOptions { EnableConsoleLogging = true };
string? configPath = null;
int? port = null;
string? host = null;
int? seed = null;
for (var i = 0; i < args.Length; i++)
{
    var name = args[i];
    if (name is "-h" or "--help")
    {
        Console.WriteLine("Usage: InvoiceOcr.Emulator [--port N] [--host 127.0.0.1] [--config emulator.json] [--seed N]");
        Console.WriteLine("The config file binds GeminiEmulatorOptions (see README.md). --port/--host/--seed override it.");
        return 0;
    }

    if (i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"Missing value after {name}. Run with --help for usage.");
        return 2;
    }

    var value = args[++i];
    switch (name)
    {
        case "--config":
            configPath = value;
            break;
        case "--host":
            host = value;
            break;
        case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 65535:
            port = p;
            break;
        case "--seed" when int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s):
            seed = s;
            break;
        default:
            Console.Error.WriteLine($"Unknown option or bad value: {name} {value}. Run with --help for usage.");
            return 2;
    }
}

if (configPath is not null)
{
    // `dotnet run --project` runs in the project folder; a relative path is also tried against the shell's folder.
    string[] candidates = Path.IsPathRooted(configPath) || Environment.GetEnvironmentVariable("PWD") is not { Length: > 0 } shellDirectory
        ? [Path.GetFullPath(configPath)]
        : [Path.GetFullPath(configPath), Path.GetFullPath(Path.Combine(shellDirectory, configPath))];
    var fullPath = candidates.FirstOrDefault(File.Exists);
    if (fullPath is null)
    {
        Console.Error.WriteLine($"Config file not found: {string.Join(" or ", candidates.Distinct(StringComparer.Ordinal))}");
        return 2;
    }

    try
    {
        new ConfigurationBuilder().AddJsonFile(fullPath, optional: false).Build().Bind(options);
    }
    catch (Exception exception) when (exception is InvalidOperationException or FormatException or InvalidDataException)
    {
        Console.Error.WriteLine($"Cannot read {fullPath}: {exception.Message}");
        return 2;
    }
}

options.Port = port ?? options.Port;
options.ListenAddress = host ?? options.ListenAddress;
options.Seed = seed ?? options.Seed;

GeminiEmulator emulator;
try
{
    emulator = await GeminiEmulator.StartAsync(options).ConfigureAwait(false);
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 2;
}

await using (emulator.ConfigureAwait(false))
{
    Console.WriteLine($"Gemini emulator listening on {emulator.BaseAddress} ({options.Keys.Count} keys, seed {options.Seed}). Ledger: {emulator.BaseAddress}emulator/ledger. Ctrl+C to stop.");
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        stop.Cancel();
    });
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
    }
    catch (OperationCanceledException)
    {
        Console.WriteLine("Stopping.");
    }
}

return 0;
