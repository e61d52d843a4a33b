using System.CommandLine;
using System.Globalization;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Samples.ConsoleApp.Extraction;
using InvoiceOcr.Samples.ConsoleApp.Hosting;
using InvoiceOcr.Samples.ConsoleApp.Jobs;
using InvoiceOcr.Samples.ConsoleApp.Output;
using InvoiceOcr.Sdk;
using Spectre.Console;

namespace InvoiceOcr.Samples.ConsoleApp.Commands;

/// <summary>
/// <c>batch …</c>: durable batch jobs (<see cref="IInvoiceJobs"/>). <c>submit</c> adds folders to a job (idempotent: a document
/// the job holds is skipped), <c>status</c> watches it, <c>results</c>/<c>items</c>/<c>history</c> read it, and
/// <c>suspend</c>/<c>resume</c>/<c>cancel</c>/<c>retry</c> steer it. The SDK's worker runs in this process for
/// <c>submit --wait</c> and <c>run</c>, so a job completes in front of the user, against the bundled emulator with <c>--emulator</c>.
/// </summary>
internal static class BatchCommand
{
    /// <summary>Printed when the store keeps jobs in this process's memory only.</summary>
    public const string InMemoryNote =
        "This store keeps batch jobs in memory: a job lives only as long as this command. Use 'batch submit --wait' (or 'batch run') to process it now.";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public static Command Create(CliContext cli)
    {
        var command = new Command("batch", "Durable batch jobs: submit folders, watch progress, read results, suspend, resume, cancel, retry.")
        {
            Submit(cli, "submit", "Add invoice files and folders to a batch job (a new one, or the one with --job-key). Documents the job already holds are skipped.", alwaysWait: false),
            Submit(cli, "run", "Submit and process a batch job in this process (the same as 'batch submit --wait').", alwaysWait: true),
            Status(cli),
            Results(cli),
            Items(cli),
            History(cli),
            Control(cli, "suspend", "Suspend a job: no item is taken until it is resumed; items being processed finish.", (jobs, id, ct) => jobs.SuspendAsync(id, ct)),
            Control(cli, "resume", "Resume a suspended job.", (jobs, id, ct) => jobs.ResumeAsync(id, ct)),
            Control(cli, "cancel", "Cancel a job: items not yet processed are cancelled.", (jobs, id, ct) => jobs.CancelAsync(id, ct)),
            Retry(cli),
        };
        return command;
    }

    private static Command Submit(CliContext cli, string name, string description, bool alwaysWait)
    {
        var paths = new Argument<string[]>("folders")
        {
            Description = "Invoice files (PDF, PNG, JPEG, WEBP, HEIC/HEIF) or folders to search recursively.",
            Arity = ArgumentArity.OneOrMore,
        };
        var company = new Option<string>("--company", "-c") { Description = "The company whose keys and quotas pay for the calls.", Required = true, HelpName = "id" };
        var user = new Option<string?>("--user", "-u") { Description = "The user recorded with the usage.", HelpName = "name" };
        var branch = new Option<string?>("--branch", "-b") { Description = "The branch recorded with the usage.", HelpName = "name" };
        var jobKey = new Option<string?>("--job-key", "-k") { Description = "Your name for the job (for example month-end-2026-11): submitting again with it adds to that job.", HelpName = "key" };
        var batchMode = new Option<bool>("--batch-mode") { Description = "Send the job's items to Gemini as a batch: half price, results within 24 hours." };
        var fallbackInteractive = new Option<bool>("--fallback-interactive")
        {
            Description = "With --batch-mode: when a batch fails or expires, run its unfinished items as interactive calls (full price) instead of batching them again.",
        };
        var wait = new Option<bool>("--wait", "-w") { Description = "Process the job in this process and show its progress until it ends." };
        var json = new Option<bool>("--json") { Description = "Print one JSON document (job id, added, skipped, state) and nothing else on standard output." };
        var project = new Option<string?>("--project") { Description = "The Google Cloud project of --api-key (quotas are counted per project). Default: derived from the key.", HelpName = "id" };
        var emulator = new Option<bool>("--emulator") { Description = "Process against the bundled Gemini emulator (results are simulated) with a seeded key for the company." };
        var output = new Option<string?>("--out", "-o")
        {
            Description = $"With --wait: write the results when the job ends, as 'batch results --out' does (a .json or .csv file, or a folder).",
            HelpName = "file|folder",
        };

        var command = new Command(name, description) { paths, company, user, branch, jobKey, batchMode, fallbackInteractive, json, output };
        if (!alwaysWait)
        {
            command.Options.Add(wait);
        }

        var endpointOptions = GeminiEndpointOptions.AddTo(command);
        command.Options.Add(project);
        command.Options.Add(emulator);
        var storeOptions = StoreOptions.AddTo(command);

        command.SetAction((parse, cancellationToken) =>
        {
            var redactor = new SecretRedactor();
            var asJson = parse.GetValue(json);
            return CommandRunner.RunAsync(cli, redactor, asJson, RunAsync, cancellationToken);

            async Task<int> RunAsync()
            {
                var companyId = parse.GetRequiredValue(company).Trim();
                if (companyId.Length == 0)
                {
                    throw new CliException("--company must not be empty.");
                }

                if (parse.GetValue(fallbackInteractive) && !parse.GetValue(batchMode))
                {
                    throw new CliException("--fallback-interactive needs --batch-mode: only a batch can fall back to interactive calls.");
                }

                var waiting = alwaysWait || parse.GetValue(wait);
                var apiKey = endpointOptions.ResolveApiKey(parse, cli, redactor);
                var useEmulator = parse.GetValue(emulator);
                if (useEmulator && (apiKey is not null || parse.GetValue(endpointOptions.Endpoint) is not null))
                {
                    throw new CliException("--emulator runs against the bundled emulator; it cannot be combined with --api-key, GEMINI_API_KEY or --endpoint.");
                }

                if ((useEmulator || parse.GetValue(output) is not null) && !waiting)
                {
                    throw new CliException((useEmulator ? "--emulator" : "--out") + " needs the job processed in this process: add --wait, or use 'batch run'.");
                }

                var files = InputFiles.Expand(parse.GetRequiredValue(paths), cli);
                await using var simulated = useEmulator ? await InProcessEmulator.StartAsync(cli, answers: null, cancellationToken).ConfigureAwait(false) : null;
                if (simulated is not null)
                {
                    cli.Error.MarkupLineInterpolated($"[yellow]Simulated:[/] results come from the bundled Gemini emulator at {simulated.BaseAddress}, not from Gemini.");
                }

                await using var sdk = await SdkHost.StartAsync(
                    new SdkHostSettings
                    {
                        Store = storeOptions.Store(parse, cli),
                        Endpoint = simulated?.BaseAddress ?? parse.GetValue(endpointOptions.Endpoint),
                        Model = parse.GetValue(endpointOptions.Model),
                        Verbose = parse.GetValue(storeOptions.Verbose),
                        ShortRetryDelays = simulated is not null,
                        RunJobWorker = waiting,
                    },
                    cli,
                    cancellationToken).ConfigureAwait(false);

                if (waiting)
                {
                    await SeedKeyAsync(sdk, cli, companyId, simulated is not null ? InProcessEmulator.Secret : apiKey, simulated is not null, parse.GetValue(project), cancellationToken).ConfigureAwait(false);
                }
                else if (sdk.JobsInMemory)
                {
                    cli.Error.MarkupLineInterpolated($"[yellow]Note:[/] {InMemoryNote}");
                }

                var job = await sdk.Jobs.CreateJobAsync(
                    new InvoiceJobRequest(companyId)
                    {
                        JobKey = parse.GetValue(jobKey) is { Length: > 0 } key ? key.Trim() : null,
                        RequestedBy = parse.GetValue(user) is { Length: > 0 } u ? u : null,
                        Branch = parse.GetValue(branch) is { Length: > 0 } b ? b : null,
                        UseBatchMode = parse.GetValue(batchMode),
                        FallbackToInteractive = parse.GetValue(fallbackInteractive),
                    },
                    cancellationToken).ConfigureAwait(false);
                var added = await sdk.Jobs.AddDocumentsAsync(job.JobId, files.Select(InvoiceJobDocument.FromFile), cancellationToken).ConfigureAwait(false);
                var message = string.Create(CultureInfo.InvariantCulture, $"Job {job.JobId}: added {added.Added}, skipped {added.Skipped} already in the job.");
                (asJson ? cli.Error : cli.Out).WriteLine(message);

                var status = await RequireAsync(sdk.Jobs, job.JobId, cancellationToken).ConfigureAwait(false);
                if (waiting)
                {
                    status = await WatchAsync(cli, sdk.Jobs, job.JobId, live: !asJson, cancellationToken).ConfigureAwait(false);
                    if (!asJson)
                    {
                        cli.Out.Write(JobViews.Status(status));
                        var failed = await JobResultFiles.ReadAllAsync(sdk.Jobs, job.JobId, InvoiceJobItemState.Failed, cancellationToken).ConfigureAwait(false);
                        if (failed.Count > 0)
                        {
                            cli.Out.Write(JobViews.Items(failed, "Failed items"));
                        }

                        Hint(cli, status);
                    }

                    if (parse.GetValue(output) is { Length: > 0 } target)
                    {
                        var items = await JobResultFiles.ReadAllAsync(sdk.Jobs, job.JobId, state: null, cancellationToken).ConfigureAwait(false);
                        var written = await JobResultFiles.WriteAsync(cli.ResolvePath(target), status, items, cancellationToken).ConfigureAwait(false);
                        cli.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {written.Count} files for {items.Count} items to {cli.DisplayPath(cli.ResolvePath(target))}"));
                    }
                }

                if (asJson)
                {
                    cli.RawOut.WriteLine(CliJson.Serialize(new { jobId = job.JobId, added = added.Added, skipped = added.Skipped, state = status.State, progress = status.Progress }));
                }

                return !waiting || status.State == InvoiceJobState.Completed ? ExitCodes.Success : ExitCodes.Failure;
            }
        });
        return command;
    }

    private static Command Status(CliContext cli)
    {
        var job = new Argument<string?>("job") { Description = "The job. Without it, lists the --company's jobs.", Arity = ArgumentArity.ZeroOrOne };
        var company = new Option<string?>("--company", "-c") { Description = "List this company's jobs (when no job is given).", HelpName = "id" };
        var once = new Option<bool>("--once") { Description = "Print the status once and exit, instead of a live display until the job ends (for scripts)." };
        var command = new Command("status", "Show a job's progress live until it ends (or once), or list a company's jobs.") { job, company, once };
        var storeOptions = StoreOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), json: false, async () =>
        {
            var jobId = parse.GetValue(job);
            var companyId = parse.GetValue(company);
            if (string.IsNullOrWhiteSpace(jobId) && string.IsNullOrWhiteSpace(companyId))
            {
                throw new CliException("Name a job, or a company with --company to list its jobs.");
            }

            await using var sdk = await StartAsync(cli, parse, storeOptions, cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(jobId))
            {
                var jobs = await sdk.Jobs.ListJobsAsync(companyId!.Trim(), cancellationToken).ConfigureAwait(false);
                if (jobs.Count == 0)
                {
                    cli.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{companyId} has no batch jobs."));
                    NoteIfInMemory(cli, sdk);
                    return ExitCodes.Success;
                }

                cli.Out.Write(JobViews.List(jobs, companyId!.Trim()));
                return ExitCodes.Success;
            }

            if (await FindAsync(cli, sdk, jobId, cancellationToken).ConfigureAwait(false) is not { } status)
            {
                return ExitCodes.Failure;
            }

            if (!parse.GetValue(once) && cli.Out.Profile.Capabilities.Interactive && !JobViews.IsAtRest(status.State))
            {
                status = await WatchAsync(cli, sdk.Jobs, jobId, live: true, cancellationToken).ConfigureAwait(false);
            }

            cli.Out.Write(JobViews.Status(status));
            Hint(cli, status);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Results(CliContext cli)
    {
        var job = new Argument<string>("job") { Description = "The job." };
        var output = new Option<string?>("--out", "-o")
        {
            Description = $"Write the results here: a .json file (every item with its invoice), a .csv file (one line per item), or a folder (one JSON file per invoice and {JobResultFiles.CsvFileName}). Without it, print a table.",
            HelpName = "file|folder",
        };
        var command = new Command("results", "Write a job's results (invoices, partial invoices, errors) as JSON or CSV.") { job, output };
        var storeOptions = StoreOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), json: false, async () =>
        {
            await using var sdk = await StartAsync(cli, parse, storeOptions, cancellationToken).ConfigureAwait(false);
            var jobId = parse.GetRequiredValue(job);
            if (await FindAsync(cli, sdk, jobId, cancellationToken).ConfigureAwait(false) is not { } status)
            {
                return ExitCodes.Failure;
            }

            var items = await JobResultFiles.ReadAllAsync(sdk.Jobs, jobId, state: null, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(output) is { Length: > 0 } target)
            {
                var written = await JobResultFiles.WriteAsync(cli.ResolvePath(target), status, items, cancellationToken).ConfigureAwait(false);
                cli.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {written.Count} files for {items.Count} items to {cli.DisplayPath(cli.ResolvePath(target))}"));
            }
            else
            {
                cli.Out.Write(JobViews.Items(items, "Results of " + jobId));
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Items(CliContext cli)
    {
        var job = new Argument<string>("job") { Description = "The job." };
        var state = new Option<string?>("--state", "-s") { Description = "Only items in this state.", HelpName = "state" };
        state.AcceptOnlyFromAmong(Enum.GetNames<InvoiceJobItemState>());
        var command = new Command("items", "List a job's items with their state, invoice id, tokens and last error.") { job, state };
        var storeOptions = StoreOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), json: false, async () =>
        {
            await using var sdk = await StartAsync(cli, parse, storeOptions, cancellationToken).ConfigureAwait(false);
            var jobId = parse.GetRequiredValue(job);
            if (await FindAsync(cli, sdk, jobId, cancellationToken).ConfigureAwait(false) is null)
            {
                return ExitCodes.Failure;
            }

            InvoiceJobItemState? filter = parse.GetValue(state) is { } s ? Enum.Parse<InvoiceJobItemState>(s) : null;
            var items = await JobResultFiles.ReadAllAsync(sdk.Jobs, jobId, filter, cancellationToken).ConfigureAwait(false);
            cli.Out.Write(JobViews.Items(items, filter is { } f ? $"{f} items of {jobId}" : "Items of " + jobId));
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command History(CliContext cli)
    {
        var item = new Argument<string>("item") { Description = "The item (its id from 'batch items')." };
        var command = new Command("history", "Show one item (state, invoice id, total, tokens, last error) and its transitions: each move between states with its reason, time, worker and attempt.") { item };
        var storeOptions = StoreOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), json: false, async () =>
        {
            await using var sdk = await StartAsync(cli, parse, storeOptions, cancellationToken).ConfigureAwait(false);
            var itemId = parse.GetRequiredValue(item);
            if (await sdk.Jobs.GetItemAsync(itemId, cancellationToken).ConfigureAwait(false) is not { } details)
            {
                cli.Error.MarkupLineInterpolated($"[red]error[/] [[ItemNotFound]]: There is no item '{itemId}'.");
                NoteIfInMemory(cli, sdk);
                return ExitCodes.Failure;
            }

            cli.Out.Write(JobViews.Items([details.Item], "Item " + itemId));
            cli.Out.Write(JobViews.History(details.Transitions, itemId));
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Control(CliContext cli, string name, string description, Func<IInvoiceJobs, string, CancellationToken, Task<InvoiceJobStatus>> act)
    {
        var job = new Argument<string>("job") { Description = "The job." };
        var command = new Command(name, description) { job };
        var storeOptions = StoreOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), json: false, async () =>
        {
            await using var sdk = await StartAsync(cli, parse, storeOptions, cancellationToken).ConfigureAwait(false);
            var jobId = parse.GetRequiredValue(job);
            if (await FindAsync(cli, sdk, jobId, cancellationToken).ConfigureAwait(false) is null)
            {
                return ExitCodes.Failure;
            }

            cli.Out.Write(JobViews.Status(await act(sdk.Jobs, jobId, cancellationToken).ConfigureAwait(false)));
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Retry(CliContext cli)
    {
        var job = new Argument<string>("job") { Description = "The job." };
        var command = new Command("retry", "Retry a job's failed items (each reuses its operation, so what was billed stays billed once).") { job };
        var storeOptions = StoreOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), json: false, async () =>
        {
            await using var sdk = await StartAsync(cli, parse, storeOptions, cancellationToken).ConfigureAwait(false);
            var jobId = parse.GetRequiredValue(job);
            if (await FindAsync(cli, sdk, jobId, cancellationToken).ConfigureAwait(false) is null)
            {
                return ExitCodes.Failure;
            }

            var retried = await sdk.Jobs.RetryFailedAsync(jobId, cancellationToken).ConfigureAwait(false);
            cli.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{retried} failed items of {jobId} will be retried."));
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    /// <summary>Polls the job until it rests (ended, suspended, or parked until the quota resets), live on a terminal.</summary>
    private static async Task<InvoiceJobStatus> WatchAsync(CliContext cli, IInvoiceJobs jobs, string jobId, bool live, CancellationToken cancellationToken)
    {
        var status = await RequireAsync(jobs, jobId, cancellationToken).ConfigureAwait(false);
        if (!live || !cli.Out.Profile.Capabilities.Interactive)
        {
            while (!JobViews.IsAtRest(status.State))
            {
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
                status = await RequireAsync(jobs, jobId, cancellationToken).ConfigureAwait(false);
            }

            return status;
        }

        await cli.Out.Live(JobViews.Status(status)).AutoClear(true).StartAsync(async context =>
        {
            while (!JobViews.IsAtRest(status.State))
            {
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
                status = await RequireAsync(jobs, jobId, cancellationToken).ConfigureAwait(false);
                context.UpdateTarget(JobViews.Status(status));
            }
        }).ConfigureAwait(false);
        return status;
    }

    private static async Task<InvoiceJobStatus> RequireAsync(IInvoiceJobs jobs, string jobId, CancellationToken cancellationToken) =>
        await jobs.GetStatusAsync(jobId, cancellationToken).ConfigureAwait(false) ?? throw new CliException($"There is no job '{jobId}'.");

    private static async Task<InvoiceJobStatus?> FindAsync(CliContext cli, SdkHost sdk, string jobId, CancellationToken cancellationToken)
    {
        var status = await sdk.Jobs.GetStatusAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (status is null)
        {
            cli.Error.MarkupLineInterpolated($"[red]error[/] [[JobNotFound]]: There is no job '{jobId}'.");
            NoteIfInMemory(cli, sdk);
        }

        return status;
    }

    private static void NoteIfInMemory(CliContext cli, SdkHost sdk)
    {
        if (sdk.JobsInMemory)
        {
            cli.Error.MarkupLineInterpolated($"[yellow]Note:[/] {InMemoryNote}");
        }
    }

    private static void Hint(CliContext cli, InvoiceJobStatus status)
    {
        var id = status.Job.JobId;
        var hint = status.State switch
        {
            InvoiceJobState.Failed or InvoiceJobState.PartiallyProcessed => $"See the failures with 'batch items {id} --state Failed'; retry them with 'batch retry {id}'.",
            InvoiceJobState.Suspended => $"Resume it with 'batch resume {id}'.",
            InvoiceJobState.QuotaExceeded => "The company's quota is used up; its items resume by themselves once it resets, wherever a worker runs.",
            InvoiceJobState.Completed => $"Write the invoices with 'batch results {id} --out results.json' (or .csv, or a folder).",
            _ => null,
        };
        if (hint is not null)
        {
            cli.Error.MarkupLineInterpolated($"[grey]{hint}[/]");
        }
    }

    private static Task<SdkHost> StartAsync(CliContext cli, ParseResult parse, StoreOptions storeOptions, CancellationToken cancellationToken) =>
        SdkHost.StartAsync(new SdkHostSettings { Store = storeOptions.Store(parse, cli), Verbose = parse.GetValue(storeOptions.Verbose) }, cli, cancellationToken);

    /// <summary>Puts the key that processes the job into the company's pool, as <c>extract</c> does.</summary>
    private static async Task SeedKeyAsync(SdkHost sdk, CliContext cli, string companyId, string? secret, bool simulated, string? project, CancellationToken cancellationToken)
    {
        if (secret is null)
        {
            return;
        }

        var candidate = new ApiKey
        {
            Id = "emulator-key",
            CompanyId = companyId,
            Secret = secret,
            ProjectId = simulated ? InProcessEmulator.ProjectId : project ?? KeySeeding.NewId("project"),
        };
        if (simulated)
        {
            await KeySeeding.EnsureOnlyKeyAsync(sdk.Keys, companyId, candidate.Id, cancellationToken).ConfigureAwait(false);
        }

        var (key, added) = simulated
            ? await KeySeeding.EnsureAsync(sdk.Keys, candidate, cancellationToken).ConfigureAwait(false)
            : await KeySeeding.EnsureBySecretAsync(sdk.Keys, candidate, "cli", cancellationToken).ConfigureAwait(false);
        cli.Error.MarkupLineInterpolated($"[grey]Key {key.Id} ({key.MaskedSecret}) {(added ? "added to" : "already in")} the pool of {companyId}; status {key.Status}.[/]");
    }
}
