namespace InvoiceOcr.Sdk;

/// <summary>
/// The document types the SDK accepts. The kind is always detected from the bytes (magic numbers),
/// never from the file name or a caller-supplied content type.
/// </summary>
public enum DocumentKind
{
    /// <summary>A PDF document (<c>application/pdf</c>).</summary>
    Pdf,

    /// <summary>A PNG image (<c>image/png</c>).</summary>
    Png,

    /// <summary>A JPEG image (<c>image/jpeg</c>).</summary>
    Jpeg,

    /// <summary>A WEBP image (<c>image/webp</c>).</summary>
    Webp,

    /// <summary>A HEIC image: HEIF with HEVC-coded items (<c>image/heic</c>).</summary>
    Heic,

    /// <summary>A HEIF image whose brands do not name HEVC (<c>image/heif</c>).</summary>
    Heif,
}
