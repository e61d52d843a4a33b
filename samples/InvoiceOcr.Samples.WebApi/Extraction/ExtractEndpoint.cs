using InvoiceOcr.Samples.WebApi.RateLimiting;
using InvoiceOcr.Sdk;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.WebApi.Extraction;

/// <summary><c>POST /extract</c>: one invoice file in, the extracted invoice out.</summary>
internal static class ExtractEndpoint
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static RouteHandlerBuilder MapExtract(this IEndpointRouteBuilder endpoints) => endpoints
        .MapPost("/extract", ExtractAsync)
        .WithName("ExtractInvoice")
        .WithSummary("Extracts a typed, validated invoice from a PDF or image.")
        .WithDescription(
            "multipart/form-data with 'file' (the invoice), 'companyID' (required: whose keys and quotas pay), 'username' and " +
            "'branch' (recorded with the usage). An optional Idempotency-Key header makes retries of the same upload bill once. " +
            "Errors are RFC 9457 problem details whose 'kind' is the SDK's error kind.")
        .Accepts<IFormFile>("multipart/form-data")
        .Produces<ExtractionResponse>()
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .ProducesProblem(StatusCodes.Status502BadGateway)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
        .ProducesProblem(StatusCodes.Status504GatewayTimeout)
        .WithMetadata(new CompanyRateLimitedMetadata())
        .RequireRateLimiting(CompanyRateLimiting.PolicyName);

    private static async Task<Results<Ok<ExtractionResponse>, ValidationProblem>> ExtractAsync(
        HttpRequest request,
        IInvoiceExtractor extractor,
        IOptions<DocumentOptions> documentOptions,
        CancellationToken cancellationToken)
    {
        var maxFileBytes = documentOptions.Value.MaxFileBytes;
        var form = await ExtractForm.ReadAsync(request, maxFileBytes, cancellationToken);

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var file = form.Files.GetFile(ExtractForm.FileField);
        if (file is null)
        {
            errors[ExtractForm.FileField] = ["Attach the invoice as the form field 'file'."];
        }

        var company = ExtractForm.Field(form, ExtractForm.CompanyField);
        if (company is null)
        {
            errors[ExtractForm.CompanyField] = ["The form field 'companyID' is required (exactly once)."];
        }

        CheckLength(errors, ExtractForm.CompanyField, company);
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

        var context = new ExtractionContext(company!)
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
            errors[field] = [$"'{field}' must be at most {ExtractForm.MaxFieldLength} characters long."];
        }
    }
}
