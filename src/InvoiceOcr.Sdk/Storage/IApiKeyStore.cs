namespace InvoiceOcr.Sdk;

/// <summary>
/// Stores the key pool. Every method is one atomic operation (one conditional statement or transaction in a SQL
/// store). Stores report an unreachable backend by throwing <see cref="InvoiceOcrException"/> with
/// <see cref="InvoiceOcrErrorKind.StoreUnavailable"/>.
/// </summary>
public interface IApiKeyStore
{
    /// <summary>
    /// Adds a key. The store sets <see cref="ApiKey.CreatedAt"/> and <see cref="ApiKey.UpdatedAt"/> to its now and starts
    /// <see cref="ApiKey.TokensReserved"/>, <see cref="ApiKey.CooldownUntil"/> and <see cref="ApiKey.UsageThresholdNotified"/>
    /// empty; <see cref="ApiKey.TokensUsed"/> and <see cref="ApiKey.Status"/> are kept, so keys can be migrated with their history.
    /// </summary>
    /// <param name="key">The key. Its id must be new.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when added; <see langword="false"/> when a key with that id exists (nothing changes).</returns>
    Task<bool> AddAsync(ApiKey key, CancellationToken cancellationToken);

    /// <summary>Gets a key.</summary>
    /// <param name="keyId">The key id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The key, or <see langword="null"/>.</returns>
    Task<ApiKey?> GetAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>Lists a company's keys, in every status, ordered by id.</summary>
    /// <param name="companyId">The company.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The keys.</returns>
    Task<IReadOnlyList<ApiKey>> ListByCompanyAsync(string companyId, CancellationToken cancellationToken);

    /// <summary>
    /// Changes a key's status if it is <paramref name="expected"/> (any status when <see langword="null"/>), and records the
    /// transition in the same operation. Changing to the current status is not a transition and returns <see langword="false"/>.
    /// </summary>
    /// <param name="keyId">The key.</param>
    /// <param name="expected">The status the key must have, or <see langword="null"/>.</param>
    /// <param name="status">The new status.</param>
    /// <param name="reason">Why (never the secret).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this call changed the status.</returns>
    Task<bool> TryChangeStatusAsync(string keyId, ApiKeyStatus? expected, ApiKeyStatus status, string? reason, CancellationToken cancellationToken);

    /// <summary>Replaces a key's operator-controlled limits.</summary>
    /// <param name="keyId">The key.</param>
    /// <param name="limits">The new limits.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when the key exists.</returns>
    Task<bool> UpdateLimitsAsync(string keyId, ApiKeyLimits limits, CancellationToken cancellationToken);

    /// <summary>Lists a key's recorded status transitions, oldest first.</summary>
    /// <param name="keyId">The key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The transitions.</returns>
    Task<IReadOnlyList<ApiKeyStatusTransition>> ListStatusTransitionsAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a lifetime-usage threshold as announced if no equal or higher threshold was (conditional update), so each
    /// threshold is announced once across every instance.
    /// </summary>
    /// <param name="keyId">The key.</param>
    /// <param name="percent">The threshold, 1 to 100.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> for the one caller that should announce it.</returns>
    Task<bool> TryMarkUsageThresholdAsync(string keyId, int percent, CancellationToken cancellationToken);

    /// <summary>Creates or replaces a project's limits (its block, if any, is kept).</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="limits">The limits shared by the project's keys.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when stored.</returns>
    Task SetProjectLimitsAsync(string projectId, QuotaLimits limits, CancellationToken cancellationToken);

    /// <summary>Gets a project's quota state.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The project, or <see langword="null"/> when it has neither limits nor a block.</returns>
    Task<ProjectQuota?> GetProjectAsync(string projectId, CancellationToken cancellationToken);
}
