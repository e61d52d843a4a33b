using System.Globalization;

namespace InvoiceOcr.Sdk;

/// <summary>
/// An API key of the key pool: it belongs to one company and one owner project (the service counts quota per
/// project), and carries its status, limits and running totals. <see cref="ToString"/> never shows the secret.
/// </summary>
public sealed record ApiKey
{
    /// <summary>The provider name of Google Gemini keys.</summary>
    public const string GeminiProvider = "Gemini";

    /// <summary>Gets the key's id (safe to log).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the id of the company the key belongs to. A key only ever serves its own company.</summary>
    public required string CompanyId { get; init; }

    /// <summary>Gets the company's display name.</summary>
    public string? CompanyName { get; init; }

    /// <summary>Gets the provider.</summary>
    /// <value>The default value is <c>Gemini</c>.</value>
    public string Provider { get; init; } = GeminiProvider;

    /// <summary>Gets the models the key may call; empty means every model.</summary>
    public IReadOnlyList<string> AllowedModels { get; init; } = [];

    /// <summary>Gets the secret. Never log it; use <see cref="MaskedSecret"/>.</summary>
    public required string Secret { get; init; }

    /// <summary>Gets the secret in masked form (<c>test…1234</c>).</summary>
    public string MaskedSecret => ApiKeySecrets.Mask(Secret);

    /// <summary>Gets the status.</summary>
    public ApiKeyStatus Status { get; init; } = ApiKeyStatus.Active;

    /// <summary>Gets why the status was last changed, if recorded.</summary>
    public string? StatusReason { get; init; }

    /// <summary>Gets the lifetime token limit; <see langword="null"/> means unlimited.</summary>
    public long? LifetimeTokenLimit { get; init; }

    /// <summary>Gets the tokens billed so far (settled usage).</summary>
    public long TokensUsed { get; init; }

    /// <summary>Gets the tokens held by outstanding reservations.</summary>
    public long TokensReserved { get; init; }

    /// <summary>Gets the instant after which the key is expired, if any.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Gets the key's own per-minute and per-day limits.</summary>
    public QuotaLimits Rates { get; init; } = QuotaLimits.None;

    /// <summary>Gets the weight in the weighted random choice among a company's keys.</summary>
    /// <value>The default value is 1.</value>
    public int Weight { get; init; } = 1;

    /// <summary>Gets the Google Cloud project that owns the key; keys of one project share its quota.</summary>
    public required string ProjectId { get; init; }

    /// <summary>Gets when the key was added.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the key was last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets the instant until which the key cools down after a per-minute 429, if any.</summary>
    public DateTimeOffset? CooldownUntil { get; init; }

    /// <summary>Gets the highest lifetime-usage threshold (percent) already announced, 0 when none.</summary>
    public int UsageThresholdNotified { get; init; }

    /// <summary>Gets the tokens left under the lifetime limit, counting reservations; <see langword="null"/> when unlimited.</summary>
    public long? RemainingTokens => LifetimeTokenLimit is { } limit ? Math.Max(0, limit - TokensUsed - TokensReserved) : null;

    /// <summary>Returns whether the key may call the model.</summary>
    /// <param name="model">The model id.</param>
    /// <returns><see langword="true"/> when <see cref="AllowedModels"/> is empty or names the model.</returns>
    public bool AllowsModel(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (AllowedModels.Count == 0)
        {
            return true;
        }

        foreach (var allowed in AllowedModels)
        {
            if (string.Equals(allowed, model, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Returns a description with the secret masked.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"ApiKey {{ Id = {Id}, CompanyId = {CompanyId}, ProjectId = {ProjectId}, Provider = {Provider}, Status = {Status}, Secret = {MaskedSecret}, TokensUsed = {TokensUsed}, LifetimeTokenLimit = {LifetimeTokenLimit} }}");

    /// <summary>Throws when the key cannot be stored.</summary>
    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Id, nameof(Id));
        ArgumentException.ThrowIfNullOrWhiteSpace(CompanyId, nameof(CompanyId));
        ArgumentException.ThrowIfNullOrWhiteSpace(ProjectId, nameof(ProjectId));
        ArgumentException.ThrowIfNullOrWhiteSpace(Secret, nameof(Secret));
        ArgumentException.ThrowIfNullOrWhiteSpace(Provider, nameof(Provider));
        ArgumentNullException.ThrowIfNull(AllowedModels, nameof(AllowedModels));
        ArgumentNullException.ThrowIfNull(Rates, nameof(Rates));
        ArgumentOutOfRangeException.ThrowIfLessThan(Weight, 1, nameof(Weight));
        ArgumentOutOfRangeException.ThrowIfNegative(TokensUsed, nameof(TokensUsed));
        if (LifetimeTokenLimit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LifetimeTokenLimit), "The lifetime token limit must not be negative.");
        }

        Rates.Validate(nameof(Rates));
    }
}
