using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.ConsoleApp.Hosting;

/// <summary>How to build the SDK for one command.</summary>
internal sealed record SdkHostSettings
{
    /// <summary>Gets the database.</summary>
    public required StoreSettings Store { get; init; }

    /// <summary>Gets the Gemini-compatible base address; <see langword="null"/> for Google's.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Gets the model; <see langword="null"/> for the SDK's default.</summary>
    public string? Model { get; init; }

    /// <summary>Gets how embedded e-invoices are used.</summary>
    public EInvoiceMode EInvoiceMode { get; init; } = EInvoiceMode.EmbeddedFirst;

    /// <summary>Gets a value indicating whether the SDK's information logs go to standard error.</summary>
    public bool Verbose { get; init; }

    /// <summary>
    /// Gets a value indicating whether this process runs the SDK's batch-job worker (<c>batch submit --wait</c>, <c>batch run</c>);
    /// other commands only read and steer jobs.
    /// </summary>
    public bool RunJobWorker { get; init; }

    /// <summary>Gets a value indicating whether retries wait only briefly (the in-process emulator answers at once).</summary>
    public bool ShortRetryDelays { get; init; }
}
