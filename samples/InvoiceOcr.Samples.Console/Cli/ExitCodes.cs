namespace InvoiceOcr.Samples.ConsoleApp.Cli;

/// <summary>The program's exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Everything succeeded.</summary>
    public const int Success = 0;

    /// <summary>At least one document or operation failed; the output says which and why.</summary>
    public const int Failure = 1;

    /// <summary>The command line or configuration is wrong (bad option, missing master key, unreachable database).</summary>
    public const int UsageError = 2;

    /// <summary>Cancelled with Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}
