using System.Globalization;
using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.ConsoleApp.Extraction;

/// <summary>The plain words for a document status other than ok, shared by the table notes and the JSON.</summary>
internal static class Notices
{
    /// <summary>Why a simulated run has no invoice for a file.</summary>
    public const string NoAnswer =
        "The bundled Gemini emulator has no answer for this file: it only answers e-invoice PDFs (from their embedded XML) and files " +
        "it has a canned answer for, so nothing was extracted. The call was still billed, as Gemini bills any call. " +
        "Use a real model (--api-key or GEMINI_API_KEY) to read this file.";

    /// <summary>Why an extracted invoice is not usable as it is: its Error-severity findings.</summary>
    public static string Invalid(InvoiceExtractionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var errors = result.Findings.Where(f => f.Severity == ValidationSeverity.Error).ToList();
        var shown = string.Join("; ", errors.Take(3).Select(f => $"{f.Code} at {f.Path}: {f.Message}"));
        var more = errors.Count > 3 ? string.Create(CultureInfo.InvariantCulture, $"; and {errors.Count - 3} more") : string.Empty;
        return string.Create(CultureInfo.InvariantCulture, $"{errors.Count} Error-severity finding{(errors.Count == 1 ? string.Empty : "s")}: {shown}{more}.");
    }
}
