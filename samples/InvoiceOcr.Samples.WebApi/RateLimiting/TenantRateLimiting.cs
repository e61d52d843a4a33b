using System.Globalization;
using System.Threading.RateLimiting;
using InvoiceOcr.Samples.WebApi.Authentication;
using InvoiceOcr.Samples.WebApi.Refusals;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.WebApi.RateLimiting;

/// <summary>
/// Rate limiting of <c>POST /extract</c> with ASP.NET Core's rate limiter, by who the caller <em>is</em>, never by what
/// the request says.
/// </summary>
/// <remarks>
/// Authentication runs before the rate limiter, so the partition key is the company of the authenticated tenant, and the
/// remote IP address for a caller without a valid credential (whose request authorization then refuses with 401). Nothing
/// of the body is read to pick a partition: a flood under one tenant's name or from one address cannot spend another
/// tenant's limit, and rotating form fields buys nothing. On top, a global concurrency limiter caps the extractions that run
/// at once on this instance, whoever sends them.
/// </remarks>
internal static class TenantRateLimiting
{
    public const string PolicyName = "per-tenant";
    public const string RateLimitedKind = "RateLimited";
    public const string BusyKind = "ServerBusy";

    public static IServiceCollection AddTenantRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TenantRateLimitOptions>()
            .Bind(configuration.GetSection(TenantRateLimitOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ConcurrencyGate>();
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            options.AddPolicy<string, TenantPolicy>(PolicyName);
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(static context =>
                context.GetEndpoint()?.Metadata.GetMetadata<TenantRateLimitedMetadata>() is null
                    ? RateLimitPartition.GetNoLimiter(string.Empty)
                    : context.RequestServices.GetRequiredService<ConcurrencyGate>().Partition);
            options.OnRejected = WriteBusyAsync;
        });
        return services;
    }

    private static string PartitionKey(HttpContext context) =>
        CallerIdentity.CompanyOf(context.User) is { } company
            ? "tenant:" + company
            : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private static async ValueTask WriteBusyAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        http.Response.Headers.RetryAfter = "1";
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "The service is busy",
            Detail = "Too many invoices are being processed right now. Please try again in a moment.",
        };
        problem.Extensions["kind"] = BusyKind;
        problem.Extensions["retryAfterSeconds"] = 1;
        await RecordAsync(http, BusyKind, StatusCodes.Status503ServiceUnavailable).ConfigureAwait(false);
        await WriteAsync(http, problem).ConfigureAwait(false);
    }

    private static async ValueTask WriteRateLimitedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status429TooManyRequests,
            Title = "Too many requests",
            Detail = "Your company has sent too many extraction requests. Please try again later.",
        };
        problem.Extensions["kind"] = RateLimitedKind;

        // A fixed window always knows when it resets, so a 429 from this limiter always says when to come back.
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        problem.Extensions["retryAfterSeconds"] = seconds;
        await RecordAsync(http, RateLimitedKind, StatusCodes.Status429TooManyRequests).ConfigureAwait(false);
        await WriteAsync(http, problem).ConfigureAwait(false);
    }

    private static async Task RecordAsync(HttpContext http, string kind, int status)
    {
        if (CallerIdentity.CompanyOf(http.User) is { } company)
        {
            await http.RequestServices.GetRequiredService<IRefusalLog>().RecordAsync(company, kind, status, http.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task WriteAsync(HttpContext http, ProblemDetails problem)
    {
        http.Response.StatusCode = problem.Status!.Value;
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem }).ConfigureAwait(false);
    }

    /// <summary>One concurrency limiter shared by every extraction of this instance.</summary>
    private sealed class ConcurrencyGate(IOptions<TenantRateLimitOptions> options)
    {
        public RateLimitPartition<string> Partition { get; } = RateLimitPartition.GetConcurrencyLimiter("extract", _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = options.Value.MaxConcurrentExtractions,
            QueueLimit = options.Value.ConcurrencyQueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    private sealed class TenantPolicy(IOptions<TenantRateLimitOptions> options) : IRateLimiterPolicy<string>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = WriteRateLimitedAsync;

        public RateLimitPartition<string> GetPartition(HttpContext httpContext)
        {
            var settings = options.Value;
            return RateLimitPartition.GetFixedWindowLimiter(PartitionKey(httpContext), _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = settings.PermitLimit,
                Window = settings.Window,
                QueueLimit = settings.QueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }
    }
}

/// <summary>Marks an endpoint limited per tenant and by the global extraction concurrency.</summary>
internal sealed class TenantRateLimitedMetadata;
