using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Keys;

/// <summary>
/// Refuses a <see cref="KeyPoolOptions.ReservationTimeToLive"/> that does not outlive <see cref="RetryOptions.TotalTimeout"/>:
/// a reservation reclaimed while its call still runs would be charged by the reclaim and then settled again, or lost.
/// </summary>
internal sealed class ReservationLifetimeValidator(IOptionsMonitor<RetryOptions> retry) : IValidateOptions<KeyPoolOptions>
{
    public ValidateOptionsResult Validate(string? name, KeyPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        TimeSpan total;
        try
        {
            total = retry.CurrentValue.TotalTimeout;
        }
        catch (OptionsValidationException)
        {
            // Invalid retry options report their own failures; this rule is checked once they are valid.
            return ValidateOptionsResult.Skip;
        }

        return options.ReservationTimeToLive > total
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"KeyPool:ReservationTimeToLive ({options.ReservationTimeToLive}) must be longer than Retry:TotalTimeout ({total}): a reservation must outlive the call that holds it.");
    }
}
