namespace InvoiceOcr.Sdk;

/// <summary>The stable codes of <see cref="ValidationFinding"/>. Codes never change meaning once published.</summary>
public static class InvoiceFindingCodes
{
    /// <summary>A required field (invoice id, invoice date, total, vendor name, currency) is missing.</summary>
    public const string RequiredFieldMissing = "RequiredFieldMissing";

    /// <summary>The sum of the line amounts differs from the subtotal.</summary>
    public const string SubtotalMismatch = "SubtotalMismatch";

    /// <summary>Subtotal − discounts + charges + tax differs from the total.</summary>
    public const string TotalMismatch = "TotalMismatch";

    /// <summary>Total − prepaid + previous unpaid balance differs from the amount due.</summary>
    public const string AmountDueMismatch = "AmountDueMismatch";

    /// <summary>The sum of the tax breakdown differs from the total tax.</summary>
    public const string TaxBreakdownMismatch = "TaxBreakdownMismatch";

    /// <summary>A tax breakdown entry's taxable amount × rate differs from its tax amount.</summary>
    public const string TaxRateAmountMismatch = "TaxRateAmountMismatch";

    /// <summary>A line's quantity × unit price − discount differs from its amount.</summary>
    public const string LineAmountMismatch = "LineAmountMismatch";

    /// <summary>A GSTIN does not have the 15-character GSTIN format.</summary>
    public const string GstinInvalidFormat = "GstinInvalidFormat";

    /// <summary>A GSTIN's 15th (mod-36) check character is wrong.</summary>
    public const string GstinInvalidCheckCharacter = "GstinInvalidCheckCharacter";

    /// <summary>CGST and SGST/UTGST differ; they are always charged in equal halves.</summary>
    public const string GstCgstSgstUnequal = "GstCgstSgstUnequal";

    /// <summary>IGST is charged on an intra-state supply (supplier state equals place of supply).</summary>
    public const string GstIgstOnIntraStateSupply = "GstIgstOnIntraStateSupply";

    /// <summary>CGST/SGST are charged on an inter-state supply (supplier state differs from place of supply).</summary>
    public const string GstCgstSgstOnInterStateSupply = "GstCgstSgstOnInterStateSupply";

    /// <summary>The place of supply names no known Indian state or union territory.</summary>
    public const string GstPlaceOfSupplyUnknown = "GstPlaceOfSupplyUnknown";

    /// <summary>The recipient GSTIN's state code differs from the place of supply.</summary>
    public const string GstinStateMismatch = "GstinStateMismatch";

    /// <summary>A GST e-invoice IRN is not 64 hexadecimal characters.</summary>
    public const string IrnInvalidFormat = "IrnInvalidFormat";

    /// <summary>An HSN/SAC code is not 4, 6 or 8 digits.</summary>
    public const string HsnSacInvalidFormat = "HsnSacInvalidFormat";

    /// <summary>A VAT id does not match its country's format.</summary>
    public const string VatIdInvalidFormat = "VatIdInvalidFormat";

    /// <summary>A VAT id does not start with a known country prefix.</summary>
    public const string VatIdUnknownCountry = "VatIdUnknownCountry";

    /// <summary>The invoice states the VAT reverse charge, yet charges VAT (the buyer, not the seller, accounts for it).</summary>
    public const string ReverseChargeWithTax = "ReverseChargeWithTax";

    /// <summary>A currency is not an ISO 4217 code.</summary>
    public const string CurrencyCodeInvalid = "CurrencyCodeInvalid";

    /// <summary>The due date is before the invoice date.</summary>
    public const string DueDateBeforeInvoiceDate = "DueDateBeforeInvoiceDate";

    /// <summary>A date lies in an implausible year (before the configured minimum or far in the future).</summary>
    public const string DateImplausible = "DateImplausible";

    /// <summary>The invoice date lies in the future.</summary>
    public const string InvoiceDateInFuture = "InvoiceDateInFuture";

    /// <summary>A period ends before it starts.</summary>
    public const string PeriodEndsBeforeStart = "PeriodEndsBeforeStart";
}
