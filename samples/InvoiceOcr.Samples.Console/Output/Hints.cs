using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.ConsoleApp.Output;

/// <summary>What to do next for an error kind, naming full commands, printed after the error's own message.</summary>
internal static class Hints
{
    public static string? For(InvoiceOcrErrorKind kind) => kind switch
    {
        InvoiceOcrErrorKind.NetworkFailure =>
            "Hint: Gemini could not be reached; check the network, any proxy and --endpoint. Run with -v for the details.",
        InvoiceOcrErrorKind.Timeout => "Hint: the call took too long; try again. Run with -v for the details.",
        InvoiceOcrErrorKind.ServerError => "Hint: the service failed on its side; try again later. Run with -v for the details.",
        InvoiceOcrErrorKind.NoKeyAvailable => "Hint: add a key with 'keys add --company <id> --project <id>', or pass --api-key.",
        InvoiceOcrErrorKind.KeyExpired or InvoiceOcrErrorKind.KeyDisabled =>
            "Hint: 'keys list --company <id>' shows why; 'keys set-status <key-id> Active' re-activates a key, 'keys set-limits <key-id>' changes its limits.",
        InvoiceOcrErrorKind.LocalQuotaExceeded => "Hint: 'keys list --company <id>' shows the keys; 'keys set-limits <key-id> --help' shows the limits you can change.",
        InvoiceOcrErrorKind.QuotaExhaustedPerDay => "Hint: Google's daily quotas reset at midnight Pacific time (America/Los_Angeles).",
        _ => null,
    };
}
