using System.Globalization;
using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.WebApi.Extraction;

/// <summary>Reads the multipart form of <c>POST /extract</c> with the seed's field names, within the SDK's size limit.</summary>
internal static class ExtractForm
{
    public const string FileField = "file";
    public const string CompanyField = "companyID";
    public const string UserField = "username";
    public const string BranchField = "branch";
    public const int MaxFieldLength = 128;

    /// <summary>Room for the boundaries, part headers and the three text fields around the file.</summary>
    public const long EnvelopeBytes = 64 * 1024;

    /// <summary>
    /// Reads the form once (ASP.NET Core caches it on the request, so the rate limiter and the endpoint share one read).
    /// A file over the limit becomes an <see cref="InvalidDocumentException"/> with <see cref="DocumentRejectionReason.TooLarge"/>,
    /// so the client sees the same 413 whichever layer noticed first.
    /// </summary>
    public static async Task<IFormCollection> ReadAsync(HttpRequest request, long maxFileBytes, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            throw new BadHttpRequestException(
                "Send the invoice as multipart/form-data with the fields 'file', 'username' and 'branch'.",
                StatusCodes.Status415UnsupportedMediaType);
        }

        try
        {
            return await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(maxFileBytes, ex);
        }
        catch (InvalidDataException ex) when (ex.Message.Contains("body length limit", StringComparison.OrdinalIgnoreCase))
        {
            // The multipart reader enforces FormOptions.MultipartBodyLengthLimit per section with this exception
            // ("Multipart body length limit N exceeded."); other form limits (value count, headers) stay a 400.
            throw TooLarge(maxFileBytes, ex);
        }
        catch (InvalidDataException ex)
        {
            throw new BadHttpRequestException("The multipart form could not be read: " + ex.Message, StatusCodes.Status400BadRequest, ex);
        }
    }

    /// <summary>Gets a text field, or <see langword="null"/> when it is missing, blank or sent more than once.</summary>
    public static string? Field(IFormCollection form, string name)
    {
        var values = form[name];
        if (values.Count != 1 || string.IsNullOrWhiteSpace(values[0]))
        {
            return null;
        }

        return values[0]!.Trim();
    }

    public static InvalidDocumentException TooLarge(long maxFileBytes, Exception? inner) => new(
        DocumentRejectionReason.TooLarge,
        string.Create(CultureInfo.InvariantCulture, $"The file is larger than the {maxFileBytes:N0} bytes allowed."),
        inner);
}
