using System.Globalization;
using InvoiceOcr.Samples.WebApi.Authentication;
using InvoiceOcr.Samples.WebApi.RateLimiting;
using InvoiceOcr.Sdk;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.WebApi.Extraction;

/// <summary><c>POST /extract</c>: one invoice file in, the extracted invoice out.</summary>
/// <remarks>
/// Admission runs cheapest first, and nothing of the body is read until the caller is known to be allowed:
/// authentication (401) → per-tenant rate limit and global concurrency (429/503) → declared size (413, from
/// <c>Content-Length</c>, before a byte of the body is read) → the company has a usable key (403, before any document
/// parsing) → the form (the <c>companyID</c> field, if sent, must be the credential's company: 403) → the SDK.
/// </remarks>
internal static class ExtractEndpoint
{
    public const string IdempotencyHeader = "Idempotency-Key";
    public const string CompanyMismatchKind = "CompanyMismatch";

    public static RouteHandlerBuilder MapExtract(this IEndpointRouteBuilder endpoints) => endpoints
        .MapPost("/extract", ExtractAsync)
        .WithName("ExtractInvoice")
        .WithSummary("Extracts a typed, validated invoice from a PDF or image.")
        .WithDescription(
            "multipart/form-data with 'file' (the invoice), 'username' and 'branch' (recorded with the usage). The company is the one " +
            "of the caller's credential ('Authorization: Bearer ioc_…'); a 'companyID' field is accepted for compatibility and must " +
            "name that same company. An optional Idempotency-Key header makes retries of the same upload bill once. " +
            "Errors are RFC 9457 problem details whose 'kind' is the SDK's error kind.")
        .Accepts<IFormFile>("multipart/form-data")
        .Produces<ExtractionResponse>()
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .ProducesProblem(StatusCodes.Status502BadGateway)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
        .ProducesProblem(StatusCodes.Status504GatewayTimeout)
        .RequireAuthorization(CallerIdentity.TenantPolicy)
        .WithMetadata(new TenantRateLimitedMetadata())
        .RequireRateLimiting(TenantRateLimiting.PolicyName);

    private static async Task<Results<Ok<ExtractionResponse>, ValidationProblem, ProblemHttpResult>> ExtractAsync(
        HttpContext http,
        IInvoiceExtractor extractor,
        IApiKeyStore keys,
        TimeProvider time,
        IOptions<DocumentOptions> documentOptions,
        CancellationToken cancellationToken)
    {
        var request = http.Request;
        var company = CallerIdentity.CompanyOf(http.User)!; // The tenant policy guarantees it.
        var maxFileBytes = documentOptions.Value.MaxFileBytes;

        // 413 from the declared length, before the body is read. A chunked body has no length and is cut off by Kestrel's
        // MaxRequestBodySize while it is read instead.
        if (request.ContentLength is { } length && length > maxFileBytes + ExtractForm.EnvelopeBytes)
        {
            http.Response.Headers.Connection = "close";
            throw ExtractForm.TooLarge(maxFileBytes, null);
        }

        // No usable key: refuse before the form is read or the document parsed (PDF parsing is the expensive part).
        await KeyAdmission.EnsureUsableKeyAsync(keys, company, time.GetUtcNow(), cancellationToken);

        var form = await ExtractForm.ReadAsync(request, maxFileBytes, cancellationToken);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var file = form.Files.GetFile(ExtractForm.FileField);
        if (file is null)
        {
            errors[ExtractForm.FileField] = ["Attach the invoice as the form field 'file'."];
        }

        if (form[ExtractForm.CompanyField].Count > 0)
        {
            // The seed's clients send companyID; it may stay, but it cannot choose who pays.
            var named = ExtractForm.Field(form, ExtractForm.CompanyField);
            if (!string.Equals(named, company, StringComparison.Ordinal))
            {
                var mismatch = TypedResults.Problem(
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "Not your company",
                    detail: "The form field 'companyID' names a company your credential does not belong to. Leave it out, or send your own company's id.",
                    extensions: new Dictionary<string, object?> { ["kind"] = CompanyMismatchKind });
                return mismatch;
            }
        }

        var user = ExtractForm.Field(form, ExtractForm.UserField);
        CheckLength(errors, ExtractForm.UserField, user);
        var branch = ExtractForm.Field(form, ExtractForm.BranchField);
        CheckLength(errors, ExtractForm.BranchField, branch);
        var idempotencyKey = request.Headers[IdempotencyHeader].ToString();
        CheckLength(errors, IdempotencyHeader, idempotencyKey);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The request is invalid");
        }

        InvoiceDocument document;
        await using (var stream = file!.OpenReadStream())
        {
            document = await InvoiceDocument.FromStreamAsync(stream, Path.GetFileName(file.FileName), maxFileBytes, cancellationToken);
        }

        var context = new ExtractionContext(company)
        {
            RequestedBy = user,
            Branch = branch,
            IdempotencyKey = idempotencyKey.Length > 0 ? idempotencyKey : null,
        };
        var result = await extractor.ExtractAsync(document, context, cancellationToken);
        return TypedResults.Ok(ExtractionResponse.From(result));
    }

    private static void CheckLength(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (value is { Length: > ExtractForm.MaxFieldLength })
        {
            errors[field] = [string.Create(CultureInfo.InvariantCulture, $"'{field}' must be at most {ExtractForm.MaxFieldLength} characters long.")];
        }
    }
}
