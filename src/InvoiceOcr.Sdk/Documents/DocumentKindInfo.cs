namespace InvoiceOcr.Sdk.Documents;

/// <summary>Facts about each <see cref="DocumentKind"/>.</summary>
internal static class DocumentKindInfo
{
    /// <summary>Returns the MIME type Gemini expects for the kind.</summary>
    public static string MimeType(DocumentKind kind) => kind switch
    {
        DocumentKind.Pdf => "application/pdf",
        DocumentKind.Png => "image/png",
        DocumentKind.Jpeg => "image/jpeg",
        DocumentKind.Webp => "image/webp",
        DocumentKind.Heic => "image/heic",
        DocumentKind.Heif => "image/heif",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown document kind."),
    };
}
