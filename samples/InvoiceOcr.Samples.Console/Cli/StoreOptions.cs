using System.CommandLine;
using InvoiceOcr.Samples.ConsoleApp.Hosting;

namespace InvoiceOcr.Samples.ConsoleApp.Cli;

/// <summary>The options every database-backed command takes: <c>--db</c>, <c>--sqlserver</c>, <c>--postgres</c> and <c>--verbose</c>.</summary>
internal sealed class StoreOptions
{
    public Option<string?> Db { get; } = new("--db")
    {
        Description = $"SQLite database file (created and migrated on first use). Default: ./{StoreSettings.DefaultSqlitePath}",
        HelpName = "path",
    };

    public Option<string?> SqlServer { get; } = new("--sqlserver")
    {
        Description = $"Use SQL Server instead of SQLite, with this connection string. Needs {MasterKeySource.EnvironmentVariable}.",
        HelpName = "connection-string",
    };

    public Option<string?> Postgres { get; } = new("--postgres")
    {
        Description = $"Use PostgreSQL instead of SQLite, with this Npgsql connection string (Host=…;Database=…;Username=…;Password=…). Needs {MasterKeySource.EnvironmentVariable}.",
        HelpName = "connection-string",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Write the SDK's logs (information and up, exceptions in full) to standard error. Without it only the SDK's errors are logged, one line each.",
    };

    public static StoreOptions AddTo(Command command)
    {
        var options = new StoreOptions();
        command.Options.Add(options.Db);
        command.Options.Add(options.SqlServer);
        command.Options.Add(options.Postgres);
        command.Options.Add(options.Verbose);
        return options;
    }

    public StoreSettings Store(ParseResult parse, CliContext context) => StoreSettings.From(parse.GetValue(Db), parse.GetValue(SqlServer), parse.GetValue(Postgres), context);
}
