using Spectre.Console;
using System.CommandLine;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Samples.ConsoleApp.Hosting;
using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.ConsoleApp.Commands;

/// <summary><c>db migrate|script</c>: create or upgrade the schema, or print the install script for a DBA.</summary>
internal static class DbCommand
{
    public static Command Create(CliContext cli)
    {
        var command = new Command("db", "Create or upgrade the database schema, or print its install script.");
        command.Subcommands.Add(Migrate(cli));
        command.Subcommands.Add(Script(cli));
        return command;
    }

    private static Command Migrate(CliContext cli)
    {
        var command = new Command("migrate", "Create the schema or apply pending migrations (the other commands do this on start too).");
        var storeOptions = StoreOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), json: false, async () =>
        {
            var store = storeOptions.Store(parse, cli);

            // Starting the host runs the store's migrator (AutoMigrate) under its lock; a schema newer than this build fails here.
            await using var sdk = await SdkHost.StartAsync(new SdkHostSettings { Store = store, Verbose = parse.GetValue(storeOptions.Verbose) }, cli, cancellationToken).ConfigureAwait(false);
            var version = store.IsSqlServer ? SqlServerStoreSchema.CurrentVersion : store.IsPostgreSql ? PostgreSqlStoreSchema.CurrentVersion : SqliteStoreSchema.CurrentVersion;
            cli.Out.MarkupLineInterpolated($"{store.Describe(cli)}: schema is at version {version}.");
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Script(CliContext cli)
    {
        var provider = new Option<string>("--provider") { Description = "Which database's script.", DefaultValueFactory = _ => "sqlite" };
        provider.AcceptOnlyFromAmong("sqlite", "sqlserver", "postgresql");
        var schema = new Option<string>("--schema") { Description = "The SQL Server or PostgreSQL schema name.", DefaultValueFactory = _ => "InvoiceOcr", HelpName = "name" };
        var command = new Command("script", "Print the full install script (idempotent) to standard output, for running by hand.") { provider, schema };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), json: false, () =>
        {
            try
            {
                var script = parse.GetValue(provider) switch
                {
                    "sqlserver" => SqlServerStoreSchema.GetInstallScript(parse.GetRequiredValue(schema)),
                    "postgresql" => PostgreSqlStoreSchema.GetInstallScript(parse.GetRequiredValue(schema)),
                    _ => SqliteStoreSchema.GetInstallScript(),
                };
                cli.RawOut.Write(script);
                cli.RawOut.Flush();
                return Task.FromResult(ExitCodes.Success);
            }
            catch (ArgumentException ex)
            {
                throw new CliException(ex.Message, ex);
            }
        }, cancellationToken));
        return command;
    }
}
