using System.CommandLine;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Samples.ConsoleApp.Demo;
using InvoiceOcr.Samples.ConsoleApp.Extraction;
using InvoiceOcr.Samples.ConsoleApp.Hosting;
using InvoiceOcr.Samples.ConsoleApp.Output;
using InvoiceOcr.Sdk;
using Spectre.Console;

namespace InvoiceOcr.Samples.ConsoleApp.Commands;

/// <summary>
/// <c>demo</c>: the README's main job. Extracts the sample invoices and prints them with a usage report. With no Gemini
/// key it runs the bundled emulator in-process, seeds a demo company and key, and says plainly that results are simulated.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The company the simulated demo seeds and bills.</summary>
    public const string CompanyId = "demo-company";

    /// <summary>The company a demo with a real Gemini key bills; kept apart so simulated runs never see (and disable) real keys.</summary>
    public const string GeminiCompanyId = "demo-company-gemini";

    /// <summary>The notice printed when results are simulated (tests look for it).</summary>
    public const string SimulatedNotice = "SIMULATED RESULTS";

    /// <summary>Who the demo's extractions are made for, in turn: usage is reported by user and branch.</summary>
    private static readonly (string User, string Branch)[] Requesters = [("alice", "Berlin"), ("bob", "Paris")];

    public static Command Create(CliContext cli)
    {
        var corpus = new Option<string?>("--corpus")
        {
            Description = $"A folder of e-invoice PDFs to use instead of shared/invoices/zugferd (found by walking up from here, or ${DemoCorpus.CorpusVariable}).",
            HelpName = "folder",
        };
        var command = new Command("demo", "Extract the sample invoices and print them with a usage report. Without a Gemini key, results are simulated by the bundled emulator.")
        {
            corpus,
        };
        var endpointOptions = GeminiEndpointOptions.AddTo(command);
        var storeOptions = StoreOptions.AddTo(command);

        command.SetAction((parse, cancellationToken) =>
        {
            var redactor = new SecretRedactor();
            return CommandRunner.RunAsync(cli, redactor, json: false, () => RunAsync(), cancellationToken);

            async Task<int> RunAsync()
            {
                var apiKey = endpointOptions.ResolveApiKey(parse, cli, redactor);
                var store = storeOptions.Store(parse, cli);

                // Inputs: the corpus's real e-invoices, or the repository's own generated samples.
                var folder = DemoCorpus.FindFolder(cli, parse.GetValue(corpus));
                var corpusFiles = folder is null ? [] : await DemoCorpus.SelectEInvoicesAsync(folder, cancellationToken).ConfigureAwait(false);
                var samples = corpusFiles.Count == 0 ? SampleInvoices.Create() : [];
                IReadOnlyList<DocumentSource> documents = corpusFiles.Count > 0
                    ? [.. corpusFiles.Select(f => DocumentSource.FromFile(f, cli))]
                    : [.. samples.Select(s => DocumentSource.FromBytes(s.FileName, s.Pdf))];

                var simulatedRun = apiKey is null;
                var company = simulatedRun ? CompanyId : GeminiCompanyId;
                await using var emulator = simulatedRun
                    ? await InProcessEmulator.StartAsync(cli, samples.ToDictionary(s => s.Sha256, s => s.Answer, StringComparer.Ordinal), cancellationToken).ConfigureAwait(false)
                    : null;

                await using var sdk = await SdkHost.StartAsync(
                    new SdkHostSettings
                    {
                        Store = store,
                        Endpoint = emulator?.BaseAddress ?? parse.GetValue(endpointOptions.Endpoint),
                        Model = parse.GetValue(endpointOptions.Model),
                        EInvoiceMode = EInvoiceMode.ModelOnly,
                        Verbose = parse.GetValue(storeOptions.Verbose),
                        ShortRetryDelays = simulatedRun,
                    },
                    cli,
                    cancellationToken).ConfigureAwait(false);

                var secret = apiKey ?? InProcessEmulator.Secret;
                var candidate = new ApiKey
                {
                    Id = "demo-key",
                    CompanyId = company,
                    CompanyName = "Demo Company",
                    Secret = secret,
                    ProjectId = simulatedRun ? InProcessEmulator.ProjectId : KeySeeding.NewId("project"),
                };

                // A real key gets a random id and is found again by its secret next time (ids never derive from the secret).
                var (key, _) = simulatedRun
                    ? await KeySeeding.EnsureAsync(sdk.Keys, candidate, cancellationToken).ConfigureAwait(false)
                    : await KeySeeding.EnsureBySecretAsync(sdk.Keys, candidate, "demo-gemini", cancellationToken).ConfigureAwait(false);
                if (simulatedRun)
                {
                    await KeySeeding.EnsureOnlyKeyAsync(sdk.Keys, company, key.Id, cancellationToken).ConfigureAwait(false);
                }

                if (key.Status != ApiKeyStatus.Active)
                {
                    await sdk.Keys.TryChangeStatusAsync(key.Id, key.Status, ApiKeyStatus.Active, "Re-activated by the demo.", cancellationToken).ConfigureAwait(false);
                }

                PrintIntroduction(cli, emulator, store, company, key, folder, corpusFiles.Count, samples.Count);

                // Pass 1: the model reads every page (model-only), so real token accounting shows.
                var runner = new ExtractionRunner(sdk, cli, redactor) { HadNoAnswer = emulator is null ? null : emulator.HadNoAnswer };
                var outcomes = new List<DocumentOutcome>(await runner.RunAsync(
                    documents,
                    index => new ExtractionContext(company) { RequestedBy = Requesters[index % Requesters.Length].User, Branch = Requesters[index % Requesters.Length].Branch },
                    showProgress: true,
                    cancellationToken).ConfigureAwait(false));

                // Pass 2: the same e-invoice read the default way (embedded-first): its XML, no model call, zero tokens.
                if (corpusFiles.Count > 0)
                {
                    sdk.SetEInvoiceMode(EInvoiceMode.EmbeddedFirst);
                    var who = new ExtractionContext(company) { RequestedBy = Requesters[0].User, Branch = Requesters[0].Branch };
                    outcomes.Add(await runner.ExtractOneAsync(documents[0], who, cancellationToken).ConfigureAwait(false));
                }

                cli.Out.Write(Tables.Invoices(outcomes, "Extracted invoices"));
                if (corpusFiles.Count > 0)
                {
                    cli.Out.MarkupLineInterpolated(
                        $"The last row is {Path.GetFileName(documents[0].Display)} again with the default mode (embedded-first): read from its e-invoice XML with no model call, 0 tokens.");
                }

                Tables.Notes(cli.Out, outcomes.Where(o => o.Status is DocumentStatus.Failed or DocumentStatus.NoAnswer));

                // The usage report comes from the SDK's usage ledger: this run's billed calls by company, branch, user and day.
                var operations = outcomes.Where(o => o.Result is not null).Select(o => o.Result!.OperationId).ToHashSet(StringComparer.Ordinal);
                var records = (await sdk.Ledger.ListAsync(new UsageQuery(company), cancellationToken).ConfigureAwait(false))
                    .Where(r => operations.Contains(r.OperationId))
                    .ToList();
                var rows = UsageReportRow.Group(records);
                cli.Out.WriteLine();
                cli.Out.Write(Tables.Usage(rows, "Usage report (this run, from the SDK's usage ledger)"));
                var ledgerTotal = rows.Sum(r => r.TotalTokens);

                if (emulator is not null)
                {
                    var billed = emulator.Emulator.Ledger.Entries;
                    var billedTotal = billed.Sum(e => (long)e.TotalTokenCount);
                    var color = billedTotal == ledgerTotal ? "green" : "red";
                    cli.Out.MarkupLineInterpolated(
                        $"[{color}]The emulator billed {billed.Count} calls and {Format.Count(billedTotal)} tokens; the SDK's usage ledger recorded {records.Count} calls and {Format.Count(ledgerTotal)} tokens.[/]");
                    cli.Out.MarkupLine($"[yellow]{SimulatedNotice}:[/] the invoices above were answered by the bundled Gemini emulator, not by Gemini.");
                }

                cli.Out.WriteLine();
                cli.Out.MarkupLineInterpolated($"Next: [blue]keys list --company {company}[/], [blue]usage report --company {company}[/], [blue]extract <files> --company <id> --api-key <key>[/] (see [blue]extract --help[/]).");
                return outcomes.Any(o => o.Error is not null) ? ExitCodes.Failure : ExitCodes.Success;
            }
        });
        return command;
    }

    private static void PrintIntroduction(CliContext cli, InProcessEmulator? emulator, StoreSettings store, string company, ApiKey key, string? folder, int corpusCount, int sampleCount)
    {
        if (emulator is not null)
        {
            var text = sampleCount > 0
                ? $"No Gemini key is configured (GEMINI_API_KEY or --api-key), so this demo runs against the bundled Gemini emulator at {emulator.BaseAddress}. The shared invoice corpus was not found, so it uses {sampleCount} sample invoices this app generates, and the emulator returns canned answers for them. Nothing here was read by a real model."
                : $"No Gemini key is configured (GEMINI_API_KEY or --api-key), so this demo runs against the bundled Gemini emulator at {emulator.BaseAddress}. The emulator answers each e-invoice PDF from the XML embedded in it, like a perfect model, and counts and bills tokens by Gemini's rules. Nothing here was read by a real model.";
            cli.Out.Write(new Panel(new Text(text)).Header($"[yellow bold] {SimulatedNotice} [/]").BorderColor(Color.Yellow).Expand());
        }
        else
        {
            cli.Out.MarkupLine("[green]Calling Gemini[/] with the configured key: the model reads every page, and tokens are billed to your Google project.");
        }

        cli.Out.MarkupLineInterpolated($"Store: {store.Describe(cli)}   Company: {company}   Key: {key.Id} ({key.MaskedSecret}, {key.Status})");
        cli.Out.WriteLine(corpusCount > 0
            ? $"Inputs: {corpusCount} e-invoice PDFs from {cli.DisplayPath(folder!)}, extracted with --mode model-only, then the first again with the default embedded-first."
            : $"Inputs: {sampleCount} generated sample invoices (the shared corpus was not found; set {DemoCorpus.CorpusVariable} to use it).");
    }
}
