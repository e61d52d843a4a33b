namespace InvoiceOcr.Samples.WebApi.Tenants;

/// <summary>
/// Tenant API credentials: which company a caller acts for. The sample keeps them in its own SQLite file
/// (<see cref="SqliteTenantCredentialStore"/>); a deployment with several instances implements this on its shared database.
/// </summary>
public interface ITenantCredentialStore
{
    /// <summary>Issues a new credential for a company; the token is returned once and only its hash is kept.</summary>
    /// <param name="companyId">The company.</param>
    /// <param name="label">A label for people.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The credential and its token.</returns>
    Task<IssuedTenantCredential> IssueAsync(string companyId, string? label, CancellationToken cancellationToken);

    /// <summary>Finds the valid (not revoked) credential a token belongs to.</summary>
    /// <param name="token">The bearer token.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The credential, or <see langword="null"/> when the token is malformed, unknown, wrong or revoked.</returns>
    Task<TenantCredential?> ValidateAsync(string token, CancellationToken cancellationToken);

    /// <summary>Lists a company's credentials, revoked ones included.</summary>
    /// <param name="companyId">The company.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The credentials, newest first.</returns>
    Task<IReadOnlyList<TenantCredential>> ListAsync(string companyId, CancellationToken cancellationToken);

    /// <summary>Lists the companies that have at least one credential: the sample's company directory.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The company ids, sorted.</returns>
    Task<IReadOnlyList<string>> ListCompaniesAsync(CancellationToken cancellationToken);

    /// <summary>Revokes a credential.</summary>
    /// <param name="credentialId">The credential's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when it was valid and is now revoked.</returns>
    Task<bool> RevokeAsync(string credentialId, CancellationToken cancellationToken);
}
