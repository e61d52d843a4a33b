namespace InvoiceOcr.Samples.ConsoleApp.Cli;

/// <summary>The program's exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Everything succeeded.</summary>
    public const int Success = 0;

    /// <summary>
    /// At least one document or operation failed, or a document was extracted with Error-severity findings (status
    /// <c>invalid</c>); the output says which and why.
    /// </summary>
    public const int Failure = 1;

    /// <summary>The command line or configuration is wrong (bad option, missing master key, unreachable database).</summary>
    public const int UsageError = 2;

    /// <summary>
    /// Simulated run (<c>--emulator</c>): the bundled emulator had no answer for at least one document (status
    /// <c>noAnswer</c>) and nothing worse happened. The emulator reads only e-invoice PDFs and files it has canned answers
    /// for; anything else needs a real model.
    /// </summary>
    public const int NoAnswer = 3;

    /// <summary>Cancelled with Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}
