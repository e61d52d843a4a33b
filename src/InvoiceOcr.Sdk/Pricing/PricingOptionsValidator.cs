using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Pricing;

/// <summary>Validates the data annotations of <see cref="PricingOptions"/> (source-generated).</summary>
[OptionsValidator]
internal sealed partial class PricingOptionsValidator : IValidateOptions<PricingOptions>
{
}

/// <summary>Validates the price table's rules: no negative price, a batch factor in (0, 1], a positive long-context threshold.</summary>
internal sealed class PricingOptionsRulesValidator : IValidateOptions<PricingOptions>
{
    public ValidateOptionsResult Validate(string? name, PricingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        foreach (var (model, price) in options.Models)
        {
            var at = $"Pricing:Models:{model}";
            if (string.IsNullOrWhiteSpace(model))
            {
                builder.AddError("must not have an empty model id.", "Pricing:Models");
            }

            if (price is null)
            {
                builder.AddError("must have prices.", at);
                continue;
            }

            Check(builder, price.Standard, at + ":Standard");
            if (price.LongContext is { } longContext)
            {
                Check(builder, longContext, at + ":LongContext");
            }

            if (price.CacheStoragePerHour < 0)
            {
                builder.AddError("must not be negative.", at + ":CacheStoragePerHour");
            }

            if (price.BatchFactor is <= 0 or > 1)
            {
                builder.AddError("must be more than 0 and at most 1 (Google bills batch mode at 0.5).", at + ":BatchFactor");
            }

            if (price.LongContextThreshold < 1)
            {
                builder.AddError("must be at least 1.", at + ":LongContextThreshold");
            }
        }

        return builder.Build();
    }

    private static void Check(ValidateOptionsResultBuilder builder, TokenPrices prices, string at)
    {
        foreach (var (field, value) in prices.All())
        {
            if (value < 0)
            {
                builder.AddError("must not be negative (prices are per million tokens).", $"{at}:{field}");
            }
        }
    }
}
