using System.CommandLine;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Samples.ConsoleApp.Extraction;
using InvoiceOcr.Samples.ConsoleApp.Hosting;
using InvoiceOcr.Samples.ConsoleApp.Output;
using InvoiceOcr.Sdk;
using Spectre.Console;

namespace InvoiceOcr.Samples.ConsoleApp.Commands;

/// <summary><c>extract &lt;files or folders&gt; --company …</c>: the everyday job.</summary>
internal static class ExtractCommand
{
    public static Command Create(CliContext cli)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Invoice files (PDF, PNG, JPEG, WEBP, HEIC/HEIF) or folders to search recursively.",
            Arity = ArgumentArity.OneOrMore,
        };
        var company = new Option<string>("--company", "-c") { Description = "The company whose keys and quotas pay for the calls.", Required = true, HelpName = "id" };
        var user = new Option<string?>("--user", "-u") { Description = "The user recorded with the usage.", HelpName = "name" };
        var branch = new Option<string?>("--branch", "-b") { Description = "The branch recorded with the usage.", HelpName = "name" };
        var mode = new Option<string>("--mode")
        {
            Description = "How embedded e-invoice XML (Factur-X, ZUGFeRD, XRechnung, UBL) is used: embedded-first reads it with no model call; embedded-only rejects other files; model-only always asks the model.",
            DefaultValueFactory = _ => ModeNames.EmbeddedFirst,
        };
        mode.AcceptOnlyFromAmong(ModeNames.All);
        var json = new Option<bool>("--json") { Description = "Print one JSON document (results, errors with their kind, summary) and nothing else on standard output." };
        var output = new Option<string?>("--out", "-o") { Description = $"Write one JSON file per document and {ResultFiles.CsvFileName} (header fields) to this folder.", HelpName = "folder" };
        var project = new Option<string?>("--project") { Description = "The Google Cloud project of --api-key (quotas are counted per project). Default: derived from the key.", HelpName = "id" };
        var emulator = new Option<bool>("--emulator") { Description = "Run against the bundled Gemini emulator (results are simulated) with a seeded key for the company." };

        var command = new Command("extract", "Extract invoices from files or folders and print them, a summary and any errors.")
        {
            paths, company, user, branch, mode, json, output,
        };
        var endpointOptions = GeminiEndpointOptions.AddTo(command);
        command.Options.Add(project);
        command.Options.Add(emulator);
        var storeOptions = StoreOptions.AddTo(command);

        command.SetAction((parse, cancellationToken) =>
        {
            var redactor = new SecretRedactor();
            var asJson = parse.GetValue(json);
            return CommandRunner.RunAsync(cli, redactor, asJson, () => RunAsync(), cancellationToken);

            async Task<int> RunAsync()
            {
                var companyId = parse.GetRequiredValue(company).Trim();
                if (companyId.Length == 0)
                {
                    throw new CliException("--company must not be empty.");
                }

                var apiKey = endpointOptions.ResolveApiKey(parse, cli, redactor);
                var useEmulator = parse.GetValue(emulator);
                if (useEmulator && (apiKey is not null || parse.GetValue(endpointOptions.Endpoint) is not null))
                {
                    throw new CliException("--emulator runs against the bundled emulator; it cannot be combined with --api-key, GEMINI_API_KEY or --endpoint.");
                }

                var files = InputFiles.Expand(parse.GetRequiredValue(paths), cli);
                var store = storeOptions.Store(parse, cli);

                await using var simulated = useEmulator ? await InProcessEmulator.StartAsync(cli, answers: null, cancellationToken).ConfigureAwait(false) : null;
                if (simulated is not null)
                {
                    cli.Error.MarkupLineInterpolated($"[yellow]Simulated:[/] results come from the bundled Gemini emulator at {simulated.BaseAddress}, not from Gemini.");
                }

                await using var sdk = await SdkHost.StartAsync(
                    new SdkHostSettings
                    {
                        Store = store,
                        Endpoint = simulated?.BaseAddress ?? parse.GetValue(endpointOptions.Endpoint),
                        Model = parse.GetValue(endpointOptions.Model),
                        EInvoiceMode = ModeNames.Parse(parse.GetRequiredValue(mode)),
                        Verbose = parse.GetValue(storeOptions.Verbose),
                        ShortRetryDelays = simulated is not null,
                    },
                    cli,
                    cancellationToken).ConfigureAwait(false);

                var secret = simulated is not null ? InProcessEmulator.Secret : apiKey;
                if (secret is not null)
                {
                    var candidate = new ApiKey
                    {
                        Id = "emulator-key",
                        CompanyId = companyId,
                        Secret = secret,
                        ProjectId = simulated is not null ? InProcessEmulator.ProjectId : parse.GetValue(project) ?? KeySeeding.NewId("project"),
                    };
                    if (simulated is not null)
                    {
                        await KeySeeding.EnsureOnlyKeyAsync(sdk.Keys, companyId, candidate.Id, cancellationToken).ConfigureAwait(false);
                    }

                    // A real key gets a random id and is found again by its secret next time (ids never derive from the secret).
                    var (key, added) = simulated is not null
                        ? await KeySeeding.EnsureAsync(sdk.Keys, candidate, cancellationToken).ConfigureAwait(false)
                        : await KeySeeding.EnsureBySecretAsync(sdk.Keys, candidate, "cli", cancellationToken).ConfigureAwait(false);
                    cli.Error.MarkupLineInterpolated($"[grey]Key {key.Id} ({key.MaskedSecret}) {(added ? "added to" : "already in")} the pool of {companyId}; status {key.Status}.[/]");
                }

                var who = new ExtractionContext(companyId)
                {
                    RequestedBy = parse.GetValue(user) is { Length: > 0 } u ? u : null,
                    Branch = parse.GetValue(branch) is { Length: > 0 } b ? b : null,
                };
                var runner = new ExtractionRunner(sdk, cli, redactor) { HadNoAnswer = simulated is null ? null : simulated.HadNoAnswer };
                var outcomes = await runner.RunAsync(
                    [.. files.Select(f => DocumentSource.FromFile(f, cli))], _ => who, showProgress: !asJson, cancellationToken).ConfigureAwait(false);
                var summary = BatchSummary.Of(outcomes);

                if (parse.GetValue(output) is { Length: > 0 } folder)
                {
                    var written = await ResultFiles.WriteAsync(cli.ResolvePath(folder), outcomes, cancellationToken).ConfigureAwait(false);
                    (asJson ? cli.Error : cli.Out).MarkupLineInterpolated($"Wrote {written.Count} files to {cli.DisplayPath(cli.ResolvePath(folder))}");
                }

                if (asJson)
                {
                    cli.RawOut.WriteLine(CliJson.Serialize(new BatchReport([.. outcomes.Select(DocumentReport.From)], summary)));
                }
                else
                {
                    cli.Out.Write(Tables.Invoices(outcomes, "Invoices"));
                    cli.Out.Write(Tables.Summary(summary));
                    Tables.Notes(cli.Out, outcomes);
                }

                return summary.ExitCode();
            }
        });
        return command;
    }
}
