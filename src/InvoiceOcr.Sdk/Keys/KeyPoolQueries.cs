namespace InvoiceOcr.Sdk.Keys;

/// <summary>The built-in <see cref="IKeyPoolQueries"/> over the stores.</summary>
internal sealed class KeyPoolQueries(IApiKeyStore keys, IOperationStore operations) : IKeyPoolQueries
{
    public async Task<TokenBalance?> GetKeyBalanceAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        var key = await keys.GetAsync(keyId, cancellationToken).ConfigureAwait(false);
        return key is null ? null : new TokenBalance(key.TokensUsed, key.TokensReserved, key.LifetimeTokenLimit, key.RemainingTokens);
    }

    public async Task<TokenBalance> GetCompanyBalanceAsync(string companyId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(companyId);
        long used = 0, reserved = 0, limit = 0, remaining = 0;
        var unlimited = false;
        foreach (var key in await keys.ListByCompanyAsync(companyId, cancellationToken).ConfigureAwait(false))
        {
            if (key.Status != ApiKeyStatus.Active || !string.Equals(key.CompanyId, companyId, StringComparison.Ordinal))
            {
                continue;
            }

            used += key.TokensUsed;
            reserved += key.TokensReserved;
            if (key.LifetimeTokenLimit is { } l)
            {
                limit += l;
                remaining += key.RemainingTokens ?? 0;
            }
            else
            {
                unlimited = true;
            }
        }

        return unlimited ? new TokenBalance(used, reserved, null, null) : new TokenBalance(used, reserved, limit, remaining);
    }

    public Task<IReadOnlyList<UnknownOutcomeAttempt>> ListUnknownOutcomeAttemptsAsync(string? companyId, CancellationToken cancellationToken) =>
        operations.ListUnknownOutcomeAttemptsAsync(companyId, cancellationToken);
}
