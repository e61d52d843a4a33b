using System.Security.Claims;
using System.Text.Encodings.Web;
using InvoiceOcr.Samples.WebApi.Tenants;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.WebApi.Authentication;

/// <summary>
/// Authenticates tenants by the bearer token of an issued credential (<see cref="ITenantCredentialStore"/>). The
/// identity carries the company; the endpoint never trusts a company named by the request itself.
/// </summary>
internal sealed class TenantCredentialHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ITenantCredentialStore credentials)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization;
        if (header.Count == 0)
        {
            return AuthenticateResult.NoResult();
        }

        var value = header.Count == 1 ? header[0] : null;
        if (value is null || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The Authorization header is not a bearer token.");
        }

        var credential = await credentials.ValidateAsync(value[BearerPrefix.Length..].Trim(), Context.RequestAborted).ConfigureAwait(false);
        if (credential is null)
        {
            return AuthenticateResult.Fail("The credential is unknown, wrong or revoked.");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(CallerIdentity.CompanyClaim, credential.CompanyId),
                new Claim(CallerIdentity.CredentialClaim, credential.Id),
                new Claim(ClaimTypes.Name, credential.Label ?? credential.Id),
            ],
            Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return WriteProblemAsync(
            Context,
            StatusCodes.Status401Unauthorized,
            "Credential missing or wrong",
            "Send your company's API credential as 'Authorization: Bearer <credential>'. Ask your administrator for one if you have none.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => WriteProblemAsync(
        Context, StatusCodes.Status403Forbidden, "Not allowed", "Your credential does not allow this request.");

    internal static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        }).ConfigureAwait(false);
    }
}
