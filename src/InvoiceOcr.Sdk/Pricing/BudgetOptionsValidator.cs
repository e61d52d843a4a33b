using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Pricing;

/// <summary>Validates the budgets: limits are positive with at most 9 decimals, and a soft limit is below its hard limit.</summary>
internal sealed class BudgetOptionsValidator : IValidateOptions<BudgetOptions>
{
    public ValidateOptionsResult Validate(string? name, BudgetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        foreach (var (company, budget) in options.Companies)
        {
            var at = $"Budgets:Companies:{company}";
            if (budget is null)
            {
                builder.AddError("must have a budget.", at);
                continue;
            }

            foreach (var (field, value) in new[] { ("MonthlyHardLimit", budget.MonthlyHardLimit), ("MonthlySoftLimit", budget.MonthlySoftLimit) })
            {
                if (value is { } v && (v <= 0 || v != UsageCost.Round(v) || v > 9_000_000_000m))
                {
                    builder.AddError("must be more than 0, at most 9,000,000,000 and have at most 9 decimal places.", $"{at}:{field}");
                }
            }

            if (budget.MonthlySoftLimit is { } soft && budget.MonthlyHardLimit is { } hard && soft >= hard)
            {
                builder.AddError("must be below MonthlyHardLimit (a warning after the refusal would never be seen).", at + ":MonthlySoftLimit");
            }
        }

        return builder.Build();
    }
}
