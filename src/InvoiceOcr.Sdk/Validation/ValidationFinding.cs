namespace InvoiceOcr.Sdk;

/// <summary>How serious a <see cref="ValidationFinding"/> is.</summary>
public enum ValidationSeverity
{
    /// <summary>Worth knowing; the invoice is consistent.</summary>
    Info,

    /// <summary>Probably wrong or incomplete; a person should look.</summary>
    Warning,

    /// <summary>Certainly wrong: a checksum fails, a required field is missing or the totals do not add up.</summary>
    Error,
}

/// <summary>
/// One problem found on an invoice. Findings are data, not exceptions: an invoice with findings is still returned,
/// and the caller decides what to do.
/// </summary>
/// <param name="Code">A stable machine-readable code from <see cref="InvoiceFindingCodes"/>.</param>
/// <param name="Severity">How serious the finding is.</param>
/// <param name="Path">The JSON path of the field, for example <c>lineItems[2].amount</c>.</param>
/// <param name="Message">A human-readable explanation with the values involved.</param>
public sealed record ValidationFinding(string Code, ValidationSeverity Severity, string Path, string Message);
