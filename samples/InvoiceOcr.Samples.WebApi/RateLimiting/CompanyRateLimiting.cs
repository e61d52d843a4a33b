using System.Globalization;
using System.Threading.RateLimiting;
using InvoiceOcr.Samples.WebApi.Extraction;
using InvoiceOcr.Sdk;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.WebApi.RateLimiting;

/// <summary>
/// Per-company rate limiting of <c>POST /extract</c> with ASP.NET Core's rate limiter.
/// </summary>
/// <remarks>
/// The company id travels in the multipart form (<c>companyID</c>), and a rate limiter partition function is synchronous,
/// so <see cref="ReadCompanyAsync"/> runs first (after routing, only for endpoints marked with
/// <see cref="CompanyRateLimitedMetadata"/>): it reads the form asynchronously within the request size limits (the form is
/// cached on the request, so the endpoint does not read it twice) and leaves the id in <see cref="HttpContext.Items"/>.
/// The partition key is the id exactly as the store sees it; a missing or oversized id shares one small anonymous
/// partition, and the endpoint refuses such requests anyway.
/// </remarks>
internal static class CompanyRateLimiting
{
    public const string PolicyName = "per-company";

    private static readonly object CompanyItemKey = new();

    public static IServiceCollection AddCompanyRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CompanyRateLimitOptions>()
            .Bind(configuration.GetSection(CompanyRateLimitOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy<string, CompanyPolicy>(PolicyName);
        });
        return services;
    }

    /// <summary>Reads the company id of a rate-limited endpoint's form before the rate limiter runs.</summary>
    public static IApplicationBuilder UseCompanyPartitioning(this IApplicationBuilder app) => app.Use(ReadCompanyAsync);

    internal static string? GetCompany(HttpContext context) => context.Items.TryGetValue(CompanyItemKey, out var value) ? value as string : null;

    private static async Task ReadCompanyAsync(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<CompanyRateLimitedMetadata>() is not null && context.Request.HasFormContentType)
        {
            var maxFileBytes = context.RequestServices.GetRequiredService<IOptions<DocumentOptions>>().Value.MaxFileBytes;
            var form = await ExtractForm.ReadAsync(context.Request, maxFileBytes, context.RequestAborted).ConfigureAwait(false);
            if (ExtractForm.Field(form, ExtractForm.CompanyField) is { Length: <= ExtractForm.MaxFieldLength } company)
            {
                context.Items[CompanyItemKey] = company;
            }
        }

        await next(context).ConfigureAwait(false);
    }

    private sealed class CompanyPolicy(IOptions<CompanyRateLimitOptions> options) : IRateLimiterPolicy<string>
    {
        private const string AnonymousPartition = "";

        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = WriteRejectionAsync;

        public RateLimitPartition<string> GetPartition(HttpContext httpContext)
        {
            var settings = options.Value;
            var company = GetCompany(httpContext) ?? AnonymousPartition;
            return RateLimitPartition.GetFixedWindowLimiter(company, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = settings.PermitLimit,
                Window = settings.Window,
                QueueLimit = settings.QueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }

        private static async ValueTask WriteRejectionAsync(OnRejectedContext context, CancellationToken cancellationToken)
        {
            var http = context.HttpContext;
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            var problem = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = "Your company has sent too many extraction requests. Please try again later.",
            };
            problem.Extensions["kind"] = "RateLimited";
            if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
            {
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                problem.Extensions["retryAfterSeconds"] = seconds;
            }

            var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
            await problems.WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem }).ConfigureAwait(false);
        }
    }
}

/// <summary>Marks an endpoint whose requests are limited per company (the <c>companyID</c> form field).</summary>
internal sealed class CompanyRateLimitedMetadata;
