using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk;

/// <summary>Options of the key pool (<see cref="ITokenProvider"/>).</summary>
public sealed class KeyPoolOptions
{
    /// <summary>
    /// Gets or sets how long a quota reservation is held before an unreachable caller's reservation may be reclaimed (and
    /// charged at its estimate). It must outlive <see cref="RetryOptions.TotalTimeout"/>: options validation refuses a shorter one,
    /// since a reservation reclaimed while its call still runs would be counted twice or not at all.
    /// </summary>
    /// <value>The default value is 10 minutes (longer than the default total call timeout).</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReservationTimeToLive { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Gets or sets how often the hosted reclaim service charges (at their estimate) reservations whose <see cref="ReservationTimeToLive"/> has
    /// passed (a caller that crashed between reserve and settle), through <see cref="IQuotaStore.ReclaimExpiredReservationsAsync"/>.
    /// </summary>
    /// <value>The default value is 1 minute.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReservationReclaimInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets the smallest output cap a call may be given near a key's lifetime limit: when the key cannot hold the full
    /// estimate (prompt + <see cref="GeminiOptions.MaxOutputTokens"/>) but can hold the prompt and at least this much output,
    /// the reservation takes what is left and the request's output cap shrinks to fit, instead of the call being refused.
    /// </summary>
    /// <value>The default value is 2048.</value>
    [Range(1, int.MaxValue)]
    public int MinimumOutputTokens { get; set; } = 2048;

    /// <summary>
    /// Gets or sets which journaled attempts still in flight a starting instance resolves as outcome-unknown (charged at their
    /// estimate): <see cref="InFlightAttemptResolution.Expired"/> (the default, safe when several instances share the store)
    /// resolves those past their reservation's time to live; <see cref="InFlightAttemptResolution.AllAtStartup"/> (one instance
    /// per store, such as a console or a single web server on SQLite) resolves every attempt that started before this instance.
    /// Expired attempts are also resolved every <see cref="ReservationReclaimInterval"/>.
    /// </summary>
    /// <value>The default value is <see cref="InFlightAttemptResolution.Expired"/>.</value>
    public InFlightAttemptResolution InFlightAttempts { get; set; } = InFlightAttemptResolution.Expired;

    /// <summary>Gets or sets the seed of the weighted random key choice, for reproducible tests; <see langword="null"/> seeds randomly.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public int? RandomSeed { get; set; }

    /// <summary>
    /// Gets the keys used only while the store is unreachable (the seed's <c>appSetting.txt</c> fallback). Each serves only
    /// its own company, without quota bookkeeping, and every use logs a warning.
    /// </summary>
    [Microsoft.Extensions.Options.ValidateEnumeratedItems]
    public IList<FallbackApiKeyOptions> FallbackKeys { get; } = [];

    /// <summary>
    /// Gets or sets a callback invoked once per key when its lifetime usage first reaches 80 %, 90 % and 100 %.
    /// Exceptions it throws are logged and swallowed.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<KeyUsageThresholdReached, CancellationToken, ValueTask>? OnUsageThresholdReached { get; set; }
}

/// <summary>Which journaled in-flight attempts an instance resolves as outcome-unknown at start-up.</summary>
public enum InFlightAttemptResolution
{
    /// <summary>Only attempts whose reservation's time to live has passed.</summary>
    Expired = 0,

    /// <summary>Every attempt that started before this instance (no other instance shares the store).</summary>
    AllAtStartup = 1,
}

/// <summary>A key used only while the store is unreachable.</summary>
public sealed class FallbackApiKeyOptions
{
    /// <summary>Gets or sets the key's id (safe to log).</summary>
    [Required]
    public string Id { get; set; } = string.Empty;

    /// <summary>Gets or sets the company the key serves.</summary>
    [Required]
    public string CompanyId { get; set; } = string.Empty;

    /// <summary>Gets or sets the secret.</summary>
    [Required]
    public string Secret { get; set; } = string.Empty;

    /// <summary>Gets or sets the key's project, recorded with usage.</summary>
    public string? ProjectId { get; set; }

    /// <summary>Gets the models the key may call; empty means every model.</summary>
    public IList<string> AllowedModels { get; } = [];

    /// <summary>Returns a description with the secret masked.</summary>
    /// <returns>The description.</returns>
    public override string ToString() => $"FallbackApiKeyOptions {{ Id = {Id}, CompanyId = {CompanyId}, Secret = {ApiKeySecrets.Mask(Secret)} }}";
}

/// <summary>A key's lifetime usage reached a threshold (80, 90 or 100 percent).</summary>
/// <param name="KeyId">The key.</param>
/// <param name="CompanyId">The key's company.</param>
/// <param name="ThresholdPercent">The threshold reached.</param>
/// <param name="TokensUsed">The key's settled usage.</param>
/// <param name="LifetimeTokenLimit">The key's lifetime limit.</param>
public sealed record KeyUsageThresholdReached(string KeyId, string CompanyId, int ThresholdPercent, long TokensUsed, long LifetimeTokenLimit);
