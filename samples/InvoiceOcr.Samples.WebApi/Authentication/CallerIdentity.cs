using System.Security.Claims;

namespace InvoiceOcr.Samples.WebApi.Authentication;

/// <summary>The sample's authentication schemes, claim types and authorization policies.</summary>
public static class CallerIdentity
{
    /// <summary>The scheme of tenant callers: <c>Authorization: Bearer ioc_…</c>, a credential issued per company.</summary>
    public const string TenantScheme = "TenantCredential";

    /// <summary>The scheme of operators: the <c>X-Admin-Key</c> header.</summary>
    public const string AdminScheme = "AdminKey";

    /// <summary>The policy of <c>POST /extract</c>: a tenant credential, which names the company.</summary>
    public const string TenantPolicy = "tenant";

    /// <summary>The policy of the admin API: the admin key, which no tenant credential can satisfy.</summary>
    public const string AdminPolicy = "admin";

    /// <summary>The claim that carries the company a tenant credential acts for.</summary>
    public const string CompanyClaim = "invoiceocr:company";

    /// <summary>The claim that carries the id (never the secret) of the credential used.</summary>
    public const string CredentialClaim = "invoiceocr:credential";

    /// <summary>The role of operators.</summary>
    public const string AdminRole = "invoiceocr-admin";

    /// <summary>Gets the company of an authenticated tenant, or <see langword="null"/>.</summary>
    /// <param name="user">The caller.</param>
    /// <returns>The company id.</returns>
    public static string? CompanyOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identity?.IsAuthenticated == true && user.Identity.AuthenticationType == TenantScheme
            ? user.FindFirst(CompanyClaim)?.Value
            : null;
    }
}
