using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Caching;

/// <summary>Validates <see cref="ResultCacheOptions"/>' annotations at start-up.</summary>
[OptionsValidator]
internal sealed partial class ResultCacheOptionsValidator : IValidateOptions<ResultCacheOptions>;

/// <summary>Cross-field rules of <see cref="ResultCacheOptions"/>.</summary>
internal sealed class ResultCacheOptionsRules : IValidateOptions<ResultCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, ResultCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.LocalExpiration > options.Expiration
            ? ValidateOptionsResult.Fail($"InvoiceOcr:ResultCache:LocalExpiration ({options.LocalExpiration}) must not exceed InvoiceOcr:ResultCache:Expiration ({options.Expiration}).")
            : ValidateOptionsResult.Success;
    }
}
