namespace InvoiceOcr.Sdk;

/// <summary>
/// Google's published list prices for the Gemini Developer API (paid tier, USD per million tokens), as read on
/// <see cref="AsOf"/>. docs/configuration.md cites the pages. They are defaults only: override them in
/// <see cref="PricingOptions.Models"/> when Google changes them.
/// </summary>
public static class GeminiListPrices
{
    /// <summary>The currency of the list prices.</summary>
    public const string Currency = "USD";

    /// <summary>Gets the day the list prices were read.</summary>
    public static DateOnly AsOf { get; } = new(2026, 9, 20);

    /// <summary>Creates a fresh table of the list prices (a new instance every call, so configuration can change it).</summary>
    /// <returns>Model id → prices.</returns>
    public static Dictionary<string, ModelPrice> Create() => new(StringComparer.OrdinalIgnoreCase)
    {
        // Cached input is billed at 10 % of input since Google's implicit caching; cache storage per million tokens per hour.
        ["gemini-2.5-pro"] = Price(input: 1.25m, audio: null, output: 10.00m, cached: 0.125m, storage: 4.50m, longInput: 2.50m, longOutput: 15.00m, longCached: 0.25m),
        ["gemini-2.5-flash"] = Price(input: 0.30m, audio: 1.00m, output: 2.50m, cached: 0.03m, storage: 1.00m),
        ["gemini-2.5-flash-lite"] = Price(input: 0.10m, audio: 0.30m, output: 0.40m, cached: 0.01m, storage: 1.00m),
        ["gemini-2.0-flash"] = Price(input: 0.10m, audio: 0.70m, output: 0.40m, cached: 0.025m, storage: 1.00m),
        ["gemini-2.0-flash-lite"] = Price(input: 0.075m, audio: null, output: 0.30m, cached: null, storage: 0m),
    };

    private static ModelPrice Price(decimal input, decimal? audio, decimal output, decimal? cached, decimal storage, decimal? longInput = null, decimal? longOutput = null, decimal? longCached = null)
    {
        var price = new ModelPrice { CacheStoragePerHour = storage };
        price.Standard.InputText = input;
        price.Standard.InputAudio = audio;
        price.Standard.Output = output;
        price.Standard.CachedInput = cached;
        if (longInput is { } li)
        {
            price.LongContext = new TokenPrices { InputText = li, Output = longOutput ?? output, CachedInput = longCached ?? cached };
        }

        return price;
    }
}
