using System.Globalization;
using InvoiceOcr.Sdk.Validation;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk;

/// <summary>
/// Checks an <see cref="Invoice"/> the way an accountant would: required fields, arithmetic (lines, subtotal, tax,
/// total, amount due) within a rounding tolerance, India GST rules (GSTIN checksum, CGST/SGST vs IGST, place of supply),
/// EU VAT id formats, currency codes and date plausibility. Problems are returned as <see cref="ValidationFinding"/>s,
/// never thrown. Thread-safe; register it as a singleton.
/// </summary>
public sealed class InvoiceValidator
{
    private readonly InvoiceValidationOptions _options;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a validator with default options and the system clock.</summary>
    public InvoiceValidator()
        : this(Options.Create(new InvoiceValidationOptions()), TimeProvider.System)
    {
    }

    /// <summary>Creates a validator.</summary>
    /// <param name="options">The tolerances and date limits.</param>
    /// <param name="timeProvider">The clock used to judge dates in the future.</param>
    public InvoiceValidator(IOptions<InvoiceValidationOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _options = options.Value ?? throw new ArgumentException("The options have no value.", nameof(options));
        _timeProvider = timeProvider;
    }

    /// <summary>Validates an invoice.</summary>
    /// <param name="invoice">The invoice to check.</param>
    /// <returns>The findings, in rule order; empty when nothing was found.</returns>
    public IReadOnlyList<ValidationFinding> Validate(Invoice invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var findings = new List<ValidationFinding>();
        CheckRequired(invoice, findings);
        CheckLines(invoice, findings);
        CheckTotals(invoice, findings);
        CheckTaxBreakdown(invoice, findings);
        CheckGst(invoice, findings);
        CheckVatId(invoice.Vendor?.VatId, "vendor.vatId", findings);
        CheckVatId(invoice.Customer?.VatId, "customer.vatId", findings);
        CheckCurrency(invoice.Currency, "currency", findings);
        CheckCurrency(invoice.TaxCurrency, "taxCurrency", findings);
        CheckDates(invoice, findings);
        return findings;
    }

    private static void CheckRequired(Invoice invoice, List<ValidationFinding> findings)
    {
        Require(!string.IsNullOrWhiteSpace(invoice.InvoiceId), "invoiceId", "invoice number");
        Require(invoice.InvoiceDate is not null, "invoiceDate", "invoice date");
        Require(invoice.Total is not null, "total", "total");
        Require(!string.IsNullOrWhiteSpace(invoice.Vendor?.Name), "vendor.name", "vendor name");
        Require(!string.IsNullOrWhiteSpace(invoice.Currency), "currency", "currency");

        void Require(bool present, string path, string what)
        {
            if (!present)
            {
                findings.Add(new(InvoiceFindingCodes.RequiredFieldMissing, ValidationSeverity.Error, path, $"The {what} is missing."));
            }
        }
    }

    private void CheckLines(Invoice invoice, List<ValidationFinding> findings)
    {
        var lines = invoice.LineItems;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Quantity is { } quantity && line.UnitPrice is { } price && line.Amount is { } amount)
            {
                var expected = (quantity * price) - (line.Discount ?? 0m);
                if (Differs(expected, amount, _options.AmountTolerance))
                {
                    findings.Add(new(
                        InvoiceFindingCodes.LineAmountMismatch,
                        ValidationSeverity.Warning,
                        $"lineItems[{i}].amount",
                        $"Line {i + 1}: quantity {F(quantity)} x unit price {F(price)}{(line.Discount is { } d ? $" - discount {F(d)}" : string.Empty)} = {F(expected)}, but the amount is {F(amount)}."));
                }
            }
        }

        if (invoice.Subtotal is { } subtotal && lines.Count > 0 && lines.All(l => l.Amount is not null))
        {
            var sum = lines.Sum(l => l.Amount!.Value);
            if (Differs(sum, subtotal, _options.AmountTolerance + (_options.PerLineTolerance * lines.Count)))
            {
                findings.Add(new(
                    InvoiceFindingCodes.SubtotalMismatch,
                    ValidationSeverity.Warning,
                    "subtotal",
                    $"The {lines.Count} line amounts add up to {F(sum)}, but the subtotal is {F(subtotal)}."));
            }
        }
    }

    private void CheckTotals(Invoice invoice, List<ValidationFinding> findings)
    {
        // Without the tax amount the total cannot be reconciled (a missing tax is unknown, not zero).
        if (invoice is { Subtotal: { } subtotal, Total: { } total, TotalTax: not null })
        {
            var expected = subtotal - (invoice.TotalDiscount ?? 0m) + (invoice.TotalCharges ?? 0m) + (invoice.TotalTax ?? 0m);
            if (Differs(expected, total, _options.AmountTolerance))
            {
                findings.Add(new(
                    InvoiceFindingCodes.TotalMismatch,
                    ValidationSeverity.Error,
                    "total",
                    $"Subtotal {F(subtotal)} - discounts {F(invoice.TotalDiscount ?? 0m)} + charges {F(invoice.TotalCharges ?? 0m)} + tax {F(invoice.TotalTax ?? 0m)} = {F(expected)}, but the total is {F(total)}."));
            }
        }

        if (invoice is { Total: { } grand, AmountDue: { } due })
        {
            var expected = grand - (invoice.PrepaidAmount ?? 0m) + (invoice.PreviousUnpaidBalance ?? 0m);
            if (Differs(expected, due, _options.AmountTolerance))
            {
                findings.Add(new(
                    InvoiceFindingCodes.AmountDueMismatch,
                    ValidationSeverity.Warning,
                    "amountDue",
                    $"Total {F(grand)} - prepaid {F(invoice.PrepaidAmount ?? 0m)} + previous balance {F(invoice.PreviousUnpaidBalance ?? 0m)} = {F(expected)}, but the amount due is {F(due)}."));
            }
        }
    }

    private void CheckTaxBreakdown(Invoice invoice, List<ValidationFinding> findings)
    {
        var breakdown = invoice.TaxBreakdown;
        for (var i = 0; i < breakdown.Count; i++)
        {
            if (breakdown[i] is { Rate: { } rate, TaxableAmount: { } basis, TaxAmount: { } tax })
            {
                var expected = Math.Round(basis * rate / 100m, 2, MidpointRounding.AwayFromZero);
                if (Differs(expected, tax, _options.AmountTolerance))
                {
                    findings.Add(new(
                        InvoiceFindingCodes.TaxRateAmountMismatch,
                        ValidationSeverity.Warning,
                        $"taxBreakdown[{i}].taxAmount",
                        $"{F(rate)} % of {F(basis)} is {F(expected)}, but the tax amount is {F(tax)}."));
                }
            }
        }

        if (invoice.ReverseCharge == true && invoice.TotalTax is { } charged && Math.Abs(charged) > _options.AmountTolerance)
        {
            findings.Add(new(
                InvoiceFindingCodes.ReverseChargeWithTax,
                ValidationSeverity.Warning,
                "totalTax",
                $"The invoice states the reverse charge, so the buyer accounts for VAT, but it charges tax of {F(charged)}."));
        }

        if (invoice.TotalTax is { } totalTax && breakdown.Count > 0 && breakdown.All(b => b.TaxAmount is not null))
        {
            var sum = breakdown.Sum(b => b.TaxAmount!.Value);
            if (Differs(sum, totalTax, _options.AmountTolerance + (_options.PerLineTolerance * breakdown.Count)))
            {
                findings.Add(new(
                    InvoiceFindingCodes.TaxBreakdownMismatch,
                    ValidationSeverity.Warning,
                    "totalTax",
                    $"The tax breakdown adds up to {F(sum)}, but the total tax is {F(totalTax)}."));
            }
        }
    }

    private void CheckGst(Invoice invoice, List<ValidationFinding> findings)
    {
        for (var i = 0; i < invoice.LineItems.Count; i++)
        {
            if (invoice.LineItems[i].HsnSac is { } code && !IsHsnSac(code))
            {
                findings.Add(new(
                    InvoiceFindingCodes.HsnSacInvalidFormat,
                    ValidationSeverity.Warning,
                    $"lineItems[{i}].hsnSac",
                    $"'{code}' is not an HSN/SAC code (4, 6 or 8 digits)."));
            }
        }

        if (invoice.Gst is not { } gst)
        {
            return;
        }

        if (gst.Irn is { } irn && !(irn.Trim().Length == 64 && irn.Trim().All(char.IsAsciiHexDigit)))
        {
            findings.Add(new(
                InvoiceFindingCodes.IrnInvalidFormat,
                ValidationSeverity.Error,
                "gst.irn",
                $"The IRN has {irn.Trim().Length} characters; an e-invoice IRN is a SHA-256 hash of 64 hexadecimal characters."));
        }

        var supplierState = CheckGstin(gst.SupplierGstin, "gst.supplierGstin", findings);
        var recipientState = CheckGstin(gst.RecipientGstin, "gst.recipientGstin", findings);

        string? placeState = null;
        if (!string.IsNullOrWhiteSpace(gst.PlaceOfSupply))
        {
            placeState = GstStates.ParsePlaceOfSupply(gst.PlaceOfSupply);
            if (placeState is null)
            {
                findings.Add(new(
                    InvoiceFindingCodes.GstPlaceOfSupplyUnknown,
                    ValidationSeverity.Warning,
                    "gst.placeOfSupply",
                    $"The place of supply '{gst.PlaceOfSupply}' names no known Indian state or union territory."));
            }
            else if (recipientState is not null && recipientState != placeState)
            {
                findings.Add(new(
                    InvoiceFindingCodes.GstinStateMismatch,
                    ValidationSeverity.Warning,
                    "gst.placeOfSupply",
                    $"The place of supply is {placeState} ({GstStates.NameOf(placeState)}), but the recipient's GSTIN is registered in {recipientState} ({GstStates.NameOf(recipientState)})."));
            }
        }

        var cgst = gst.CgstAmount ?? 0m;
        var sgst = gst.SgstAmount ?? 0m;
        var igst = gst.IgstAmount ?? 0m;
        if (Differs(cgst, sgst, _options.AmountTolerance) || (gst.CgstRate is { } cr && gst.SgstRate is { } sr && cr != sr))
        {
            findings.Add(new(
                InvoiceFindingCodes.GstCgstSgstUnequal,
                ValidationSeverity.Error,
                "gst.sgstAmount",
                $"CGST ({F(cgst)}{Rate(gst.CgstRate)}) and SGST/UTGST ({F(sgst)}{Rate(gst.SgstRate)}) must be equal halves of the tax."));
        }

        var origin = supplierState ?? (gst.SupplierGstin is { Length: >= 2 } raw && GstStates.IsKnownCode(raw[..2]) ? raw[..2] : null);
        if (origin is null || placeState is null)
        {
            return;
        }

        var intraState = origin == placeState;
        if (intraState && igst != 0m)
        {
            findings.Add(new(
                InvoiceFindingCodes.GstIgstOnIntraStateSupply,
                ValidationSeverity.Error,
                "gst.igstAmount",
                $"The supplier ({origin}, {GstStates.NameOf(origin)}) and the place of supply are in the same state, so CGST + SGST apply, but IGST {F(igst)} is charged."));
        }
        else if (!intraState && (cgst != 0m || sgst != 0m))
        {
            findings.Add(new(
                InvoiceFindingCodes.GstCgstSgstOnInterStateSupply,
                ValidationSeverity.Error,
                "gst.cgstAmount",
                $"The supplier is in {origin} ({GstStates.NameOf(origin)}) and the place of supply in {placeState} ({GstStates.NameOf(placeState)}), so IGST applies, but CGST {F(cgst)} / SGST {F(sgst)} are charged."));
        }

        static string Rate(decimal? rate) => rate is { } r ? $" at {F(r)} %" : string.Empty;
    }

    /// <summary>Checks one GSTIN and returns its state code when it is fully valid.</summary>
    private static string? CheckGstin(string? value, string path, List<ValidationFinding> findings)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var gstin = Gstin.Normalize(value);
        if (!Gstin.HasValidFormat(gstin))
        {
            findings.Add(new(
                InvoiceFindingCodes.GstinInvalidFormat,
                ValidationSeverity.Error,
                path,
                $"'{value}' is not a GSTIN: expected 15 characters (2-digit state code, 10-character PAN, entity number, 'Z', check character)."));
            return null;
        }

        if (!Gstin.HasValidCheckCharacter(gstin))
        {
            findings.Add(new(
                InvoiceFindingCodes.GstinInvalidCheckCharacter,
                ValidationSeverity.Error,
                path,
                $"The GSTIN '{gstin}' has check character '{gstin[14]}', but its first 14 characters require '{Gstin.ComputeCheckCharacter(gstin)}'; it is probably misread."));
            return null;
        }

        return gstin[..2];
    }

    private static void CheckVatId(string? vatId, string path, List<ValidationFinding> findings)
    {
        if (string.IsNullOrWhiteSpace(vatId))
        {
            return;
        }

        if (VatIds.IsValid(vatId, out var country))
        {
            return;
        }

        findings.Add(country is null
            ? new(InvoiceFindingCodes.VatIdUnknownCountry, ValidationSeverity.Warning, path, $"The VAT id '{vatId}' does not start with the prefix of an EU country, XI, GB, CH or NO.")
            : new(InvoiceFindingCodes.VatIdInvalidFormat, ValidationSeverity.Error, path, $"The VAT id '{vatId}' does not have the format of a {country} VAT id."));
    }

    private static void CheckCurrency(string? currency, string path, List<ValidationFinding> findings)
    {
        if (currency is not null && !CurrencyCodes.IsValid(currency))
        {
            findings.Add(new(InvoiceFindingCodes.CurrencyCodeInvalid, ValidationSeverity.Error, path, $"'{currency}' is not an ISO 4217 currency code."));
        }
    }

    private void CheckDates(Invoice invoice, List<ValidationFinding> findings)
    {
        var today = DateOnly.FromDateTime(_timeProvider.GetUtcNow().UtcDateTime);
        var maxYear = today.Year + _options.MaximumYearsAhead;
        Plausible(invoice.InvoiceDate, "invoiceDate");
        Plausible(invoice.DueDate, "dueDate");
        Plausible(invoice.ServicePeriod?.Start, "servicePeriod.start");
        Plausible(invoice.ServicePeriod?.End, "servicePeriod.end");
        for (var i = 0; i < invoice.LineItems.Count; i++)
        {
            Plausible(invoice.LineItems[i].Date, $"lineItems[{i}].date");
        }

        if (invoice.InvoiceDate is { } issued && issued > today.AddDays(_options.MaximumInvoiceDateDaysAhead) && issued.Year <= maxYear)
        {
            findings.Add(new(
                InvoiceFindingCodes.InvoiceDateInFuture,
                ValidationSeverity.Warning,
                "invoiceDate",
                $"The invoice date {issued:yyyy-MM-dd} lies in the future (today is {today:yyyy-MM-dd}); day and month may be swapped."));
        }

        if (invoice is { InvoiceDate: { } date, DueDate: { } dueDate } && dueDate < date)
        {
            findings.Add(new(
                InvoiceFindingCodes.DueDateBeforeInvoiceDate,
                ValidationSeverity.Error,
                "dueDate",
                $"The due date {dueDate:yyyy-MM-dd} is before the invoice date {date:yyyy-MM-dd}."));
        }

        if (invoice.ServicePeriod is { Start: { } start, End: { } end } && end < start)
        {
            findings.Add(new(
                InvoiceFindingCodes.PeriodEndsBeforeStart,
                ValidationSeverity.Error,
                "servicePeriod.end",
                $"The service period ends ({end:yyyy-MM-dd}) before it starts ({start:yyyy-MM-dd})."));
        }

        void Plausible(DateOnly? value, string path)
        {
            if (value is { } d && (d.Year < _options.MinimumYear || d.Year > maxYear))
            {
                findings.Add(new(
                    InvoiceFindingCodes.DateImplausible,
                    ValidationSeverity.Warning,
                    path,
                    $"The date {d:yyyy-MM-dd} is implausible for an invoice (expected years {_options.MinimumYear} to {maxYear})."));
            }
        }
    }

    private static bool IsHsnSac(string code)
    {
        var trimmed = code.Trim();
        return trimmed.Length is 4 or 6 or 8 && trimmed.All(char.IsAsciiDigit);
    }

    private static bool Differs(decimal expected, decimal actual, decimal tolerance) => Math.Abs(expected - actual) > tolerance;

    private static string F(decimal value) => value.ToString("0.00##", CultureInfo.InvariantCulture);
}
