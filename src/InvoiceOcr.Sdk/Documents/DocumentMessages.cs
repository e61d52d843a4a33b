using System.Globalization;

namespace InvoiceOcr.Sdk.Documents;

/// <summary>Builds the human-readable rejection messages of document intake, so every message names the file the same way.</summary>
internal static class DocumentMessages
{
    /// <summary>Returns the file name in quotes, or a neutral phrase when the caller gave none.</summary>
    public static string Name(string? fileName) => fileName is null ? "(unnamed)" : "'" + fileName + "'";

    public static InvalidDocumentException Reject(DocumentRejectionReason reason, string? fileName, string fault, Exception? innerException = null) =>
        new(reason, string.Create(CultureInfo.InvariantCulture, $"The document {Name(fileName)} was rejected: {fault}"), innerException)
        {
            FileName = fileName,
        };
}
