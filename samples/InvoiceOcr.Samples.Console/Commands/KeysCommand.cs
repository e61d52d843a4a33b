using System.CommandLine;
using System.Globalization;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Samples.ConsoleApp.Hosting;
using InvoiceOcr.Samples.ConsoleApp.Output;
using InvoiceOcr.Sdk;
using Spectre.Console;

namespace InvoiceOcr.Samples.ConsoleApp.Commands;

/// <summary><c>keys add|list|set-status|set-limits</c>: manage a company's key pool. Secrets are accepted once and only ever shown masked.</summary>
internal static class KeysCommand
{
    public static Command Create(CliContext cli)
    {
        var command = new Command("keys", "Manage companies' Gemini API keys (stored encrypted; shown masked).");
        command.Subcommands.Add(Add(cli));
        command.Subcommands.Add(List(cli));
        command.Subcommands.Add(SetStatus(cli));
        command.Subcommands.Add(SetLimits(cli));
        return command;
    }

    private static Command Add(CliContext cli)
    {
        var company = new Option<string>("--company", "-c") { Description = "The company the key serves.", Required = true, HelpName = "id" };
        var secret = new Option<string?>("--secret")
        {
            Description = "The API key. When omitted it is read from standard input (typed without echo at a terminal), which keeps it out of shell history.",
            HelpName = "key",
        };
        var id = new Option<string?>("--id") { Description = "The key's id. Default: key- and 8 random hex digits (never derived from the secret).", HelpName = "id" };
        var project = new Option<string>("--project") { Description = "The Google Cloud project the key belongs to (Gemini counts quota per project).", Required = true, HelpName = "id" };
        var companyName = new Option<string?>("--company-name") { Description = "The company's display name.", HelpName = "name" };
        var models = new Option<string[]>("--model") { Description = "A model the key may be used for (repeatable). Default: any.", HelpName = "id", AllowMultipleArgumentsPerToken = false };
        var command = new Command("add", "Add a key to a company's pool.") { company, secret, id, project, companyName, models };
        var limits = LimitOptions.AddTo(command);
        var storeOptions = StoreOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) =>
        {
            var redactor = new SecretRedactor();
            return CommandRunner.RunAsync(cli, redactor, json: false, () => RunAsync(), cancellationToken);

            async Task<int> RunAsync()
            {
                var value = parse.GetValue(secret) ?? ReadSecret(cli);
                value = value?.Trim();
                if (string.IsNullOrEmpty(value))
                {
                    throw new CliException("No secret given: pass --secret or type the key on standard input.");
                }

                redactor.Add(value);
                var key = new ApiKey
                {
                    Id = parse.GetValue(id) is { Length: > 0 } given ? given : KeySeeding.NewId("key"),
                    CompanyId = parse.GetRequiredValue(company),
                    CompanyName = parse.GetValue(companyName),
                    Secret = value,
                    ProjectId = parse.GetRequiredValue(project),
                    AllowedModels = parse.GetValue(models) ?? [],
                };
                key = limits.Apply(parse, key);

                await using var sdk = await SdkHost.StartAsync(new SdkHostSettings { Store = storeOptions.Store(parse, cli), Verbose = parse.GetValue(storeOptions.Verbose) }, cli, cancellationToken).ConfigureAwait(false);
                try
                {
                    if (parse.GetValue(id) is not { Length: > 0 })
                    {
                        key = await KeySeeding.AddWithRandomIdAsync(sdk.Keys, key, "key", cancellationToken).ConfigureAwait(false);
                    }
                    else if (!await sdk.Keys.AddAsync(key, cancellationToken).ConfigureAwait(false))
                    {
                        throw new CliException($"A key with id '{key.Id}' already exists; keys are added once (use 'keys set-status {key.Id} <status>' or 'keys set-limits {key.Id}' to change it).");
                    }
                }
                catch (ArgumentException ex)
                {
                    throw new CliException(redactor.Redact(ex.Message), ex);
                }

                cli.Out.MarkupLineInterpolated($"Added key [bold]{key.Id}[/] ({key.MaskedSecret}) to {key.CompanyId}, project {key.ProjectId}.");
                return ExitCodes.Success;
            }
        });
        return command;
    }

    private static Command List(CliContext cli)
    {
        var company = new Option<string>("--company", "-c") { Description = "The company whose keys to list.", Required = true, HelpName = "id" };
        var command = new Command("list", "List a company's keys: masked secret, status, usage and remaining tokens.") { company };
        var storeOptions = StoreOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), json: false, async () =>
        {
            await using var sdk = await SdkHost.StartAsync(new SdkHostSettings { Store = storeOptions.Store(parse, cli), Verbose = parse.GetValue(storeOptions.Verbose) }, cli, cancellationToken).ConfigureAwait(false);
            var companyId = parse.GetRequiredValue(company);
            var keys = await sdk.Keys.ListByCompanyAsync(companyId, cancellationToken).ConfigureAwait(false);
            var table = new Table().Border(TableBorder.Rounded).Title($"Keys of {Markup.Escape(companyId)}")
                .AddColumns("Id", "Project", "Secret", "Status", "Reason")
                .AddColumn(new TableColumn("Used").RightAligned())
                .AddColumn(new TableColumn("Limit").RightAligned())
                .AddColumn(new TableColumn("Remaining").RightAligned())
                .AddColumn("Expires")
                .AddColumn(new TableColumn("Weight").RightAligned());
            foreach (var key in keys.OrderBy(k => k.Id, StringComparer.Ordinal))
            {
                table.AddRow(
                    Format.Cell(key.Id),
                    Format.Cell(key.ProjectId),
                    Format.Cell(key.MaskedSecret),
                    new Text(key.Status.ToString(), new Style(key.Status == ApiKeyStatus.Active ? Color.Green : Color.Red)),
                    Format.Cell(key.StatusReason),
                    Format.Right(Format.Count(key.TokensUsed)),
                    Format.Right(key.LifetimeTokenLimit is { } limit ? Format.Count(limit) : "unlimited"),
                    Format.Right(key.RemainingTokens is { } remaining ? Format.Count(remaining) : "unlimited"),
                    Format.Cell(key.ExpiresAt?.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)),
                    Format.Right(Format.Count(key.Weight)));
            }

            cli.Out.Write(table);
            if (keys.Count == 0)
            {
                cli.Out.MarkupLineInterpolated($"No keys for {companyId}. Add one with: keys add --company {companyId} --project <id>");
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command SetStatus(CliContext cli)
    {
        var keyId = new Argument<string>("key-id") { Description = "The key's id (see keys list)." };
        var status = new Argument<ApiKeyStatus>("status")
        {
            Description = "Active, Expired, Exceeded or Disabled.",
            CustomParser = result => ValueParsers.ParseEnum<ApiKeyStatus>(result) ?? default,
        };
        var reason = new Option<string?>("--reason") { Description = "Why, recorded in the key's status history.", HelpName = "text" };
        var command = new Command("set-status", "Change a key's status (for example disable a leaked key, or re-activate one).") { keyId, status, reason };
        var storeOptions = StoreOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), json: false, async () =>
        {
            await using var sdk = await SdkHost.StartAsync(new SdkHostSettings { Store = storeOptions.Store(parse, cli), Verbose = parse.GetValue(storeOptions.Verbose) }, cli, cancellationToken).ConfigureAwait(false);
            var id = parse.GetRequiredValue(keyId);
            var existing = await sdk.Keys.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new CliException($"No key with id '{id}'. 'keys list --company <id>' lists a company's keys.");
            var to = parse.GetValue(status);
            if (!await sdk.Keys.TryChangeStatusAsync(id, existing.Status, to, parse.GetValue(reason), cancellationToken).ConfigureAwait(false))
            {
                throw new CliException($"Key '{id}' changed while updating it; run the command again.");
            }

            cli.Out.MarkupLineInterpolated($"Key [bold]{id}[/]: {existing.Status} -> {to}.");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command SetLimits(CliContext cli)
    {
        var keyId = new Argument<string>("key-id") { Description = "The key's id (see keys list)." };
        var command = new Command("set-limits", "Change a key's limits; limits not given keep their current values.") { keyId };
        var limits = LimitOptions.AddTo(command);
        var storeOptions = StoreOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), json: false, async () =>
        {
            await using var sdk = await SdkHost.StartAsync(new SdkHostSettings { Store = storeOptions.Store(parse, cli), Verbose = parse.GetValue(storeOptions.Verbose) }, cli, cancellationToken).ConfigureAwait(false);
            var id = parse.GetRequiredValue(keyId);
            var existing = await sdk.Keys.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new CliException($"No key with id '{id}'. 'keys list --company <id>' lists a company's keys.");
            var updated = limits.Apply(parse, existing);
            var newLimits = new ApiKeyLimits { LifetimeTokenLimit = updated.LifetimeTokenLimit, ExpiresAt = updated.ExpiresAt, Rates = updated.Rates, Weight = updated.Weight };
            if (!await sdk.Keys.UpdateLimitsAsync(id, newLimits, cancellationToken).ConfigureAwait(false))
            {
                throw new CliException($"No key with id '{id}'. 'keys list --company <id>' lists a company's keys.");
            }

            var lifetimeText = newLimits.LifetimeTokenLimit is { } l ? Format.Count(l) : "unlimited";
            var expiresText = newLimits.ExpiresAt?.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "never";
            cli.Out.MarkupLineInterpolated(
                $"Key [bold]{id}[/]: lifetime limit {lifetimeText}, expires {expiresText}, weight {newLimits.Weight}, RPM {Rate(newLimits.Rates.RequestsPerMinute)}, RPD {Rate(newLimits.Rates.RequestsPerDay)}, TPM {Rate(newLimits.Rates.TokensPerMinute)}, TPD {Rate(newLimits.Rates.TokensPerDay)}.");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static string Rate(long? value) => value is { } v ? Format.Count(v) : "-";

    private static string? ReadSecret(CliContext cli)
    {
        if (cli.Out.Profile.Capabilities.Interactive && !Console.IsInputRedirected)
        {
            return cli.Out.Prompt(new TextPrompt<string>("API key:").Secret());
        }

        return cli.Input.ReadLine();
    }

    /// <summary>The limit options shared by <c>add</c> and <c>set-limits</c>.</summary>
    private sealed class LimitOptions
    {
        private readonly Option<long?> _lifetime = ValueParsers.Long("--lifetime-tokens", "Lifetime token limit; the key becomes Exceeded when it is used up. 0 = unlimited.");
        private readonly Option<DateTimeOffset?> _expires = ValueParsers.Instant("--expires", "When the key expires (ISO 8601, e.g. 2026-12-31 or 2026-12-31T23:59Z; UTC unless an offset is given).");
        private readonly Option<int?> _weight = ValueParsers.Int("--weight", "Relative share of calls among the company's active keys (1 or more).", minimum: 1);
        private readonly Option<int?> _rpm = ValueParsers.Int("--rpm", "Requests per minute for this key. 0 = no limit.");
        private readonly Option<int?> _rpd = ValueParsers.Int("--rpd", "Requests per day for this key; Google's days start at midnight Pacific time (America/Los_Angeles). 0 = no limit.");
        private readonly Option<long?> _tpm = ValueParsers.Long("--tpm", "Input tokens per minute for this key (prompt tokens, as Gemini's TPM counts them). 0 = no limit.");
        private readonly Option<long?> _tpd = ValueParsers.Long("--tpd", "Tokens per day for this key (every billed token); Google's days start at midnight Pacific time (America/Los_Angeles). 0 = no limit.");

        public static LimitOptions AddTo(Command command)
        {
            var options = new LimitOptions();
            foreach (var option in new Option[] { options._lifetime, options._expires, options._weight, options._rpm, options._rpd, options._tpm, options._tpd })
            {
                command.Options.Add(option);
            }

            return options;
        }

        public ApiKey Apply(ParseResult parse, ApiKey key)
        {
            var rates = key.Rates;
            if (parse.GetValue(_rpm) is { } rpm)
            {
                rates = rates with { RequestsPerMinute = rpm == 0 ? null : rpm };
            }

            if (parse.GetValue(_rpd) is { } rpd)
            {
                rates = rates with { RequestsPerDay = rpd == 0 ? null : rpd };
            }

            if (parse.GetValue(_tpm) is { } tpm)
            {
                rates = rates with { TokensPerMinute = tpm == 0 ? null : tpm };
            }

            if (parse.GetValue(_tpd) is { } tpd)
            {
                rates = rates with { TokensPerDay = tpd == 0 ? null : tpd };
            }

            return key with
            {
                LifetimeTokenLimit = parse.GetValue(_lifetime) is { } lifetime ? (lifetime == 0 ? null : lifetime) : key.LifetimeTokenLimit,
                ExpiresAt = parse.GetValue(_expires) is { } expires ? expires.ToUniversalTime() : key.ExpiresAt,
                Weight = parse.GetValue(_weight) ?? key.Weight,
                Rates = rates,
            };
        }
    }
}
