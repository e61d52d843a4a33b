using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk;

/// <summary>
/// Prices model calls with the table in force (<see cref="PricingOptions"/>): the cost of a billed usage, the most an
/// attempt can cost (what a budget reserves), and explicit cache storage.
/// </summary>
/// <remarks>
/// Cached prompt tokens are a subset of the prompt; the SDK's requests put the stable text (instruction and schema) first,
/// so cached tokens are taken from the TEXT modality first, then DOCUMENT, IMAGE and AUDIO. With Google's prices (one
/// price for text, image and document) the order changes nothing. Thinking tokens are billed as output, tool-use prompt
/// tokens as text input. Every cost is rounded to <see cref="UsageCost.Decimals"/> places.
/// </remarks>
public sealed class PriceTable
{
    private const decimal PerMillion = 1_000_000m;
    private readonly KeyValuePair<string, ModelPrice>[] _byLongestId;

    /// <summary>Creates the table from the options in force.</summary>
    /// <param name="options">The pricing options.</param>
    public PriceTable(IOptions<PricingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        Currency = value.Currency;
        PricesAsOf = value.PricesAsOf;
        _byLongestId = [.. value.Models.OrderByDescending(static m => m.Key.Length)];
    }

    /// <summary>Gets the currency of every price and cost.</summary>
    public string Currency { get; }

    /// <summary>Gets the day the prices were read.</summary>
    public DateOnly PricesAsOf { get; }

    /// <summary>Finds the prices of a model: the longest configured id the model id starts with.</summary>
    /// <param name="model">The model id, with or without the <c>models/</c> prefix.</param>
    /// <param name="price">The prices, when found.</param>
    /// <returns><see langword="true"/> when the model has prices.</returns>
    public bool TryGetPrice(string model, out ModelPrice price)
    {
        ArgumentNullException.ThrowIfNull(model);
        var bare = model.StartsWith("models/", StringComparison.Ordinal) ? model["models/".Length..] : model;
        foreach (var (id, p) in _byLongestId)
        {
            if (bare.StartsWith(id, StringComparison.OrdinalIgnoreCase))
            {
                price = p;
                return true;
            }
        }

        price = null!;
        return false;
    }

    /// <summary>Prices one billed call from the token counts the service reported.</summary>
    /// <param name="model">The model id.</param>
    /// <param name="usage">The billed usage.</param>
    /// <param name="tier">How the call was billed.</param>
    /// <returns>The cost, or <see langword="null"/> when the model has no prices.</returns>
    public UsageCost? Cost(string model, TokenUsage usage, ServiceTier tier = ServiceTier.Standard)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return Cost(model, new TokenCounts(usage.InputTokens, usage.TextTokens, usage.ImageTokens, usage.DocumentTokens, usage.CachedTokens, usage.ToolUseTokens, usage.OutputTokens, usage.ThoughtsTokens), tier);
    }

    /// <summary>Prices one ledger row from its token columns (for example to re-price history with another table).</summary>
    /// <param name="record">The row.</param>
    /// <param name="tier">How the call was billed.</param>
    /// <returns>The cost, or <see langword="null"/> when the model has no prices.</returns>
    public UsageCost? Cost(UsageRecord record, ServiceTier tier = ServiceTier.Standard)
    {
        ArgumentNullException.ThrowIfNull(record);
        return Cost(record.Model, new TokenCounts(record.InputTokens, record.TextTokens, record.ImageTokens, record.DocumentTokens, record.CachedTokens, record.ToolUseTokens, record.OutputTokens, record.ThoughtsTokens), tier);
    }

    /// <summary>Prices token counts.</summary>
    /// <param name="model">The model id.</param>
    /// <param name="counts">The counts.</param>
    /// <param name="tier">How the call was billed.</param>
    /// <returns>The cost, or <see langword="null"/> when the model has no prices.</returns>
    public UsageCost? Cost(string model, TokenCounts counts, ServiceTier tier = ServiceTier.Standard)
    {
        if (!TryGetPrice(model, out var price))
        {
            return null;
        }

        var p = price.TierFor(counts.Input);
        var audio = Math.Max(0, counts.Input - counts.Text - counts.Image - counts.Document);
        var rest = counts.Cached;
        var cachedText = Take(counts.Text, ref rest);
        var cachedDocument = Take(counts.Document, ref rest);
        var cachedImage = Take(counts.Image, ref rest);
        var cachedAudio = Take(audio, ref rest);
        var text = p.InputText;
        var image = p.InputImage ?? text;
        var document = p.InputDocument ?? text;
        var audioPrice = p.InputAudio ?? text;
        var cached = p.CachedInput is { } c
            ? (cachedText + cachedDocument + cachedImage + cachedAudio) * c
            : (cachedText * text) + (cachedDocument * document) + (cachedImage * image) + (cachedAudio * audioPrice);
        var amount =
            ((counts.Text - cachedText + counts.ToolUse) * text) +
            ((counts.Image - cachedImage) * image) +
            ((counts.Document - cachedDocument) * document) +
            ((audio - cachedAudio) * audioPrice) +
            cached +
            ((counts.Output + counts.Thoughts) * p.Output);
        if (tier == ServiceTier.Batch)
        {
            amount *= price.BatchFactor;
        }

        return new UsageCost(UsageCost.Round(amount / PerMillion), Currency);
    }

    /// <summary>
    /// Returns the most one attempt can cost: every prompt token uncached at the dearest text, image or document price of
    /// its tier (the SDK sends no audio), plus
    /// <paramref name="maxOutputTokens"/> at the output price (thoughts count against the same cap). A budget reserves this.
    /// </summary>
    /// <param name="model">The model id.</param>
    /// <param name="promptTokens">The estimated prompt tokens.</param>
    /// <param name="maxOutputTokens">The output cap.</param>
    /// <param name="tier">How the call will be billed.</param>
    /// <returns>The bound, or <see langword="null"/> when the model has no prices.</returns>
    public UsageCost? MaximumCost(string model, long promptTokens, long maxOutputTokens, ServiceTier tier = ServiceTier.Standard)
    {
        if (!TryGetPrice(model, out var price))
        {
            return null;
        }

        var p = price.TierFor(promptTokens);
        var input = new[] { p.InputText, p.InputImage ?? 0, p.InputDocument ?? 0 }.Max();
        var amount = (promptTokens * input) + (maxOutputTokens * p.Output);
        if (tier == ServiceTier.Batch)
        {
            amount *= price.BatchFactor;
        }

        // Rounded up so the bound is never below the cost it bounds.
        return new UsageCost(decimal.Ceiling(amount / PerMillion * 1_000_000_000m) / 1_000_000_000m, Currency);
    }

    /// <summary>Prices keeping <paramref name="tokens"/> in an explicit cache for <paramref name="duration"/>.</summary>
    /// <param name="model">The model id.</param>
    /// <param name="tokens">The cached tokens.</param>
    /// <param name="duration">How long the cache lived.</param>
    /// <returns>The cost, or <see langword="null"/> when the model has no prices.</returns>
    public UsageCost? CacheStorageCost(string model, long tokens, TimeSpan duration) =>
        TryGetPrice(model, out var price)
            ? new UsageCost(UsageCost.Round(tokens * price.CacheStoragePerHour / PerMillion * (decimal)duration.TotalHours), Currency)
            : null;

    private static long Take(long available, ref long rest)
    {
        var taken = Math.Min(Math.Max(available, 0), rest);
        rest -= taken;
        return taken;
    }
}

/// <summary>The token counts a call is priced by (as <c>usageMetadata</c> reports them).</summary>
/// <param name="Input">Prompt tokens, cached ones included.</param>
/// <param name="Text">TEXT-modality prompt tokens.</param>
/// <param name="Image">IMAGE-modality prompt tokens.</param>
/// <param name="Document">DOCUMENT-modality prompt tokens.</param>
/// <param name="Cached">Prompt tokens served from cache (a subset of <paramref name="Input"/>).</param>
/// <param name="ToolUse">Tool-use prompt tokens.</param>
/// <param name="Output">Output tokens, thoughts excluded.</param>
/// <param name="Thoughts">Thinking tokens.</param>
public readonly record struct TokenCounts(long Input, long Text, long Image, long Document, long Cached, long ToolUse, long Output, long Thoughts);
