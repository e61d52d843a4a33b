namespace InvoiceOcr.Sdk;

/// <summary>The list prices of one model: its standard tier, its long-context tier if it has one, cache storage and batch mode.</summary>
public sealed class ModelPrice
{
    /// <summary>Gets the prices of a prompt up to <see cref="LongContextThreshold"/> tokens (every prompt when there is no long-context tier).</summary>
    public TokenPrices Standard { get; } = new();

    /// <summary>Gets or sets the prices of a prompt longer than <see cref="LongContextThreshold"/> tokens.</summary>
    /// <value>The default value is <see langword="null"/>: the model has one tier.</value>
    public TokenPrices? LongContext { get; set; }

    /// <summary>Gets or sets the prompt size (tokens, cached ones included) above which <see cref="LongContext"/> applies.</summary>
    /// <value>The default value is 200,000, Google's threshold for Gemini 2.5 Pro.</value>
    public int LongContextThreshold { get; set; } = 200_000;

    /// <summary>Gets or sets the price of keeping a million tokens in an explicit cache (<c>cachedContents</c>) for one hour.</summary>
    /// <value>The default value is 0.</value>
    public decimal CacheStoragePerHour { get; set; }

    /// <summary>
    /// Gets or sets the factor applied to every token price of a batch-mode request (Google's Batch API bills half of the
    /// interactive price).
    /// </summary>
    /// <value>The default value is 0.5.</value>
    public decimal BatchFactor { get; set; } = 0.5m;

    /// <summary>Returns the tier that prices a prompt of <paramref name="promptTokens"/> tokens.</summary>
    /// <param name="promptTokens">The prompt's tokens, cached ones included.</param>
    /// <returns>The tier's prices.</returns>
    public TokenPrices TierFor(long promptTokens) => LongContext is { } longContext && promptTokens > LongContextThreshold ? longContext : Standard;
}
