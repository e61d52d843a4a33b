namespace InvoiceOcr.Samples.ConsoleApp.Cli;

/// <summary>A problem with how the program was called or configured (exit code 2), reported without a stack trace.</summary>
internal sealed class CliException : Exception
{
    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CliException()
    {
    }
}
