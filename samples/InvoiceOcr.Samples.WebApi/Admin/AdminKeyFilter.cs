using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.WebApi.Admin;

/// <summary>
/// Lets a request through only when its <c>X-Admin-Key</c> header equals the configured <see cref="AdminOptions.ApiKey"/>.
/// Both values are hashed and the hashes compared in constant time, so neither the content nor the length of the secret
/// leaks through timing. Without a configured secret every request is refused.
/// </summary>
internal sealed class AdminKeyFilter(IOptionsMonitor<AdminOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var configured = options.CurrentValue.ApiKey;
        var supplied = context.HttpContext.Request.Headers[AdminOptions.HeaderName];
        if (string.IsNullOrEmpty(configured) || supplied.Count != 1 || !Matches(configured, supplied[0]))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Admin credential missing or wrong",
                detail: $"Send the admin key in the {AdminOptions.HeaderName} header.");
        }

        return await next(context);
    }

    internal static bool Matches(string expected, string? actual)
    {
        if (string.IsNullOrEmpty(actual))
        {
            return false;
        }

        Span<byte> expectedHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> actualHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), expectedHash);
        SHA256.HashData(Encoding.UTF8.GetBytes(actual), actualHash);
        return CryptographicOperations.FixedTimeEquals(expectedHash, actualHash);
    }
}
