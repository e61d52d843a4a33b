namespace InvoiceOcr.Sdk;

/// <summary>What a model call cost: an amount in a currency, rounded to <see cref="Decimals"/> places (a billionth).</summary>
/// <param name="Amount">The amount.</param>
/// <param name="Currency">The ISO 4217 currency code, for example <c>USD</c>.</param>
public readonly record struct UsageCost(decimal Amount, string Currency)
{
    /// <summary>The decimal places every cost is rounded to: amounts are exact multiples of 10⁻⁹, so sums in any store are exact.</summary>
    public const int Decimals = 9;

    /// <summary>Returns <paramref name="amount"/> rounded the way every cost is (half away from zero, <see cref="Decimals"/> places).</summary>
    /// <param name="amount">An amount.</param>
    /// <returns>The rounded amount.</returns>
    public static decimal Round(decimal amount) => decimal.Round(amount, Decimals, MidpointRounding.AwayFromZero);

    /// <summary>Converts an amount to whole billionths (as stores keep it).</summary>
    /// <param name="amount">A rounded amount.</param>
    /// <returns>The amount in billionths of the currency unit.</returns>
    public static long ToNanos(decimal amount) => decimal.ToInt64(Round(amount) * 1_000_000_000m);

    /// <summary>Converts whole billionths back to an amount.</summary>
    /// <param name="nanos">The amount in billionths.</param>
    /// <returns>The amount.</returns>
    public static decimal FromNanos(long nanos) => nanos / 1_000_000_000m;
}
