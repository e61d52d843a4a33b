using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using InvoiceOcr.Samples.WebApi.Admin;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.WebApi.Authentication;

/// <summary>
/// Authenticates operators by the <c>X-Admin-Key</c> header against <see cref="AdminOptions.ApiKey"/>. Both values are
/// hashed and the hashes compared in constant time, so neither the content nor the length of the secret leaks through
/// timing. Without a configured key nobody is an operator.
/// </summary>
internal sealed class AdminKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<AdminOptions> admin)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var supplied = Request.Headers[AdminOptions.HeaderName];
        if (supplied.Count == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var configured = admin.CurrentValue.ApiKey;
        if (string.IsNullOrEmpty(configured) || supplied.Count != 1 || !Matches(configured, supplied[0]))
        {
            return Task.FromResult(AuthenticateResult.Fail("The admin key is wrong."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, CallerIdentity.AdminRole)], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => TenantCredentialHandler.WriteProblemAsync(
        Context,
        StatusCodes.Status401Unauthorized,
        "Admin key missing or wrong",
        "That admin key is not right. Check it for typos, or ask whoever runs this server for the current one.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => TenantCredentialHandler.WriteProblemAsync(
        Context, StatusCodes.Status403Forbidden, "Not allowed", "Only an administrator may do this.");

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
