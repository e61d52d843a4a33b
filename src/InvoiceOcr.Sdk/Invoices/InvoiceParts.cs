using System.ComponentModel;
using InvoiceOcr.Sdk.Invoices;

namespace InvoiceOcr.Sdk;

/// <summary>The kind of commercial document (aligned with UNTDID 1001 codes used by EN 16931 e-invoices).</summary>
public enum InvoiceDocumentType
{
    /// <summary>A commercial invoice (UNTDID 380 and similar).</summary>
    Invoice,

    /// <summary>A credit note (UNTDID 381).</summary>
    CreditNote,

    /// <summary>A debit note (UNTDID 383).</summary>
    DebitNote,

    /// <summary>A self-billed invoice issued by the buyer (UNTDID 389, German "Gutschrift").</summary>
    SelfBilledInvoice,

    /// <summary>A self-billed credit note (UNTDID 261).</summary>
    SelfBilledCreditNote,

    /// <summary>A corrected invoice (UNTDID 384).</summary>
    CorrectedInvoice,

    /// <summary>A prepayment invoice (UNTDID 386).</summary>
    PrepaymentInvoice,

    /// <summary>A pro-forma invoice (UNTDID 325); not a tax document.</summary>
    ProFormaInvoice,

    /// <summary>A receipt: proof of payment, for example a till receipt.</summary>
    Receipt,

    /// <summary>Another kind of document.</summary>
    Other,
}

/// <summary>A seller or buyer.</summary>
[Description("A company or person on the invoice.")]
public sealed record InvoiceParty
{
    /// <summary>Gets the name (legal or trading name).</summary>
    [Description("Company or person name as printed.")]
    public string? Name { get; init; }

    /// <summary>Gets the postal address.</summary>
    [Description("Postal address.")]
    public PostalAddress? Address { get; init; }

    /// <summary>Gets the name of the recipient at the address (department, attention line), when printed separately.</summary>
    [Description("Recipient or department at the address (an 'Attn.' line), when printed separately from the name.")]
    public string? AddressRecipient { get; init; }

    /// <summary>Gets the VAT identification number, including its country prefix (for example <c>DE123456789</c>).</summary>
    [Description("VAT identification number with its country prefix, e.g. DE123456789, FR32123456789 (labels: VAT ID, USt-IdNr., TVA intracommunautaire, BTW-nummer). Do not put an Indian GSTIN here.")]
    public string? VatId { get; init; }

    /// <summary>Gets another tax number (national tax number, EIN, ABN, TIN, PAN), when it is not a VAT id.</summary>
    [Description("Other tax number that is not a VAT id or GSTIN (e.g. German Steuernummer, US EIN, Australian ABN, Indian PAN).")]
    public string? TaxId { get; init; }

    /// <summary>Gets the company registration number (trade register, SIRET, KvK, CIN).</summary>
    [Description("Company registration number (trade register, SIRET/SIREN, KvK, CIN).")]
    public string? RegistrationId { get; init; }

    /// <summary>Gets the e-mail address.</summary>
    [Description("E-mail address.")]
    public string? Email { get; init; }

    /// <summary>Gets the telephone number.</summary>
    [Description("Telephone number as printed.")]
    public string? Phone { get; init; }

    /// <summary>Gets the web site.</summary>
    [Description("Web site address.")]
    public string? Website { get; init; }
}

/// <summary>A structured postal address.</summary>
[Description("A postal address split into parts.")]
public sealed record PostalAddress
{
    /// <summary>Gets the street and house number.</summary>
    [Description("Street and house number (first address line).")]
    public string? Street { get; init; }

    /// <summary>Gets further address lines (building, floor, P.O. box).</summary>
    [Description("Further address lines (building, floor, P.O. box), joined with ', '.")]
    public string? AdditionalStreet { get; init; }

    /// <summary>Gets the city.</summary>
    [Description("City or town.")]
    public string? City { get; init; }

    /// <summary>Gets the postal code.</summary>
    [Description("Postal / ZIP / PIN code.")]
    public string? PostalCode { get; init; }

    /// <summary>Gets the state, province or region.</summary>
    [Description("State, province or region.")]
    public string? State { get; init; }

    /// <summary>Gets the country as an ISO 3166-1 alpha-2 code, for example <c>DE</c>.</summary>
    [Description("Country, ISO 3166-1 alpha-2 code (DE, FR, IN, US...).")]
    public string? CountryCode { get; init; }
}

/// <summary>A period of service or billing.</summary>
[Description("A period with start and end dates.")]
public sealed record ServicePeriod
{
    /// <summary>Gets the first day of the period.</summary>
    [Description("First day of the period, ISO 8601 date (yyyy-MM-dd).")]
    public DateOnly? Start { get; init; }

    /// <summary>Gets the last day of the period.</summary>
    [Description("Last day of the period, ISO 8601 date (yyyy-MM-dd).")]
    public DateOnly? End { get; init; }
}

/// <summary>One line of the tax breakdown: a tax category and rate with its taxable base and tax.</summary>
[Description("Tax for one tax category and rate.")]
public sealed record TaxBreakdown
{
    /// <summary>Gets the tax rate in percent (19 means 19 %).</summary>
    [Description("Tax rate in percent, e.g. 19 for 19 %.")]
    public decimal? Rate { get; init; }

    /// <summary>Gets the taxable amount (net base) at this rate.</summary>
    [Description("Taxable (net) amount at this rate.")]
    public decimal? TaxableAmount { get; init; }

    /// <summary>Gets the tax amount at this rate.</summary>
    [Description("Tax amount at this rate.")]
    public decimal? TaxAmount { get; init; }

    /// <summary>Gets the tax category: a UNTDID 5305 code (<c>S</c> standard, <c>Z</c> zero, <c>E</c> exempt, <c>AE</c> reverse charge, <c>K</c> intra-EU supply, <c>G</c> export, <c>O</c> out of scope) or a name such as <c>CGST</c>.</summary>
    [Description("Tax category: S standard, Z zero rated, E exempt, AE reverse charge, K intra-community supply, G export, O outside scope; or a tax name such as CGST/SGST/IGST.")]
    public string? Category { get; init; }

    /// <summary>Gets the exemption reason printed for a zero or exempt rate.</summary>
    [Description("Exemption reason printed for zero-rated, exempt or reverse-charge tax.")]
    public string? ExemptionReason { get; init; }
}

/// <summary>How to pay: a bank account and a payment reference.</summary>
[Description("A bank account or payment reference for paying the invoice.")]
public sealed record PaymentDetails
{
    /// <summary>Gets the IBAN.</summary>
    [Description("IBAN, without spaces.")]
    public string? Iban { get; init; }

    /// <summary>Gets the BIC (SWIFT code).</summary>
    [Description("BIC / SWIFT code.")]
    public string? Bic { get; init; }

    /// <summary>Gets a non-IBAN bank account number.</summary>
    [Description("Bank account number when no IBAN is given.")]
    public string? AccountNumber { get; init; }

    /// <summary>Gets the bank's routing code (sort code, IFSC, ABA routing number, BSB).</summary>
    [Description("Bank routing code: sort code, IFSC, ABA routing number or BSB.")]
    public string? BankCode { get; init; }

    /// <summary>Gets the bank's name.</summary>
    [Description("Bank name.")]
    public string? BankName { get; init; }

    /// <summary>Gets the account holder.</summary>
    [Description("Account holder name.")]
    public string? AccountHolder { get; init; }

    /// <summary>Gets the reference to quote with the payment.</summary>
    [Description("Reference to quote with the payment (remittance information).")]
    public string? PaymentReference { get; init; }
}

/// <summary>India GST details of an invoice.</summary>
[Description("India GST details.")]
public sealed record GstDetails
{
    /// <summary>Gets the supplier's GSTIN (15 characters).</summary>
    [Description("Supplier's GSTIN: 15 characters, e.g. 27AAPFU0939F1ZV.")]
    public string? SupplierGstin { get; init; }

    /// <summary>Gets the recipient's GSTIN (15 characters).</summary>
    [Description("Recipient's (buyer's) GSTIN: 15 characters.")]
    public string? RecipientGstin { get; init; }

    /// <summary>Gets the place of supply as printed (state name and/or two-digit state code).</summary>
    [Description("Place of supply as printed: state name and/or two-digit GST state code, e.g. '27-Maharashtra'.")]
    public string? PlaceOfSupply { get; init; }

    /// <summary>Gets the e-invoice Invoice Reference Number (64 hexadecimal characters).</summary>
    [Description("IRN (Invoice Reference Number) of a GST e-invoice: 64 hexadecimal characters.")]
    public string? Irn { get; init; }

    /// <summary>Gets the CGST rate in percent.</summary>
    [Description("CGST rate in percent (e.g. 9).")]
    public decimal? CgstRate { get; init; }

    /// <summary>Gets the CGST amount.</summary>
    [Description("Total CGST amount.")]
    public decimal? CgstAmount { get; init; }

    /// <summary>Gets the SGST (or UTGST) rate in percent.</summary>
    [Description("SGST or UTGST rate in percent (e.g. 9).")]
    public decimal? SgstRate { get; init; }

    /// <summary>Gets the SGST (or UTGST) amount.</summary>
    [Description("Total SGST or UTGST amount.")]
    public decimal? SgstAmount { get; init; }

    /// <summary>Gets the IGST rate in percent.</summary>
    [Description("IGST rate in percent (e.g. 18).")]
    public decimal? IgstRate { get; init; }

    /// <summary>Gets the IGST amount.</summary>
    [Description("Total IGST amount.")]
    public decimal? IgstAmount { get; init; }

    /// <summary>Gets the compensation cess rate in percent.</summary>
    [Description("Compensation cess rate in percent.")]
    public decimal? CessRate { get; init; }

    /// <summary>Gets the compensation cess amount.</summary>
    [Description("Total compensation cess amount.")]
    public decimal? CessAmount { get; init; }
}

/// <summary>One line item.</summary>
[Description("One billed line of the invoice.")]
public sealed record InvoiceLineItem
{
    /// <summary>Gets the line's description (product or service name).</summary>
    [Description("Product or service description as printed.")]
    [ExtractionRequired]
    public string? Description { get; init; }

    /// <summary>Gets the seller's product code, SKU or article number.</summary>
    [Description("Product code, SKU or article number.")]
    public string? ProductCode { get; init; }

    /// <summary>Gets the HSN (goods) or SAC (services) code of an Indian GST invoice line.</summary>
    [Description("HSN or SAC code (India GST), digits only.")]
    public string? HsnSac { get; init; }

    /// <summary>Gets the quantity.</summary>
    [Description("Quantity.")]
    public decimal? Quantity { get; init; }

    /// <summary>Gets the unit of measure as printed or as a UN/ECE Rec 20 code (for example <c>H87</c>, <c>KGM</c>).</summary>
    [Description("Unit of measure, e.g. pcs, kg, h.")]
    public string? Unit { get; init; }

    /// <summary>Gets the net price of one unit.</summary>
    [Description("Net price of one unit.")]
    public decimal? UnitPrice { get; init; }

    /// <summary>Gets the discount on this line, as a positive amount.</summary>
    [Description("Discount on this line as a positive amount.")]
    public decimal? Discount { get; init; }

    /// <summary>Gets the line's tax rate in percent.</summary>
    [Description("Tax rate of this line in percent, e.g. 19 for 19 %.")]
    public decimal? TaxRate { get; init; }

    /// <summary>Gets the tax amount of this line.</summary>
    [Description("Tax amount of this line, when printed.")]
    public decimal? TaxAmount { get; init; }

    /// <summary>Gets the line's net amount (quantity × unit price − discount), excluding tax.</summary>
    [Description("Net amount of the line excluding tax (quantity x unit price - discount).")]
    [ExtractionRequired]
    public decimal? Amount { get; init; }

    /// <summary>Gets the date of the line's delivery or service.</summary>
    [Description("Date of delivery or service for this line, ISO 8601 date (yyyy-MM-dd).")]
    public DateOnly? Date { get; init; }
}

/// <summary>Where an <see cref="Invoice"/>'s data came from.</summary>
public sealed record InvoiceSource
{
    /// <summary>Gets the source of invoices extracted by the model.</summary>
    public static InvoiceSource Model { get; } = new() { Kind = InvoiceSourceKind.Model };

    /// <summary>Gets the kind of source.</summary>
    public InvoiceSourceKind Kind { get; init; }

    /// <summary>Gets the e-invoice format when <see cref="Kind"/> is <see cref="InvoiceSourceKind.EmbeddedXml"/>.</summary>
    public EInvoiceFormat? Format { get; init; }

    /// <summary>Gets the name of the PDF attachment the XML was read from, for example <c>factur-x.xml</c>.</summary>
    public string? AttachmentName { get; init; }

    /// <summary>Gets the specification or profile identifier the XML declares (CII guideline id or UBL customization id).</summary>
    public string? Profile { get; init; }
}

/// <summary>The kind of source of an invoice's data.</summary>
public enum InvoiceSourceKind
{
    /// <summary>The model read the document's pages.</summary>
    Model,

    /// <summary>The data was read from a structured e-invoice XML embedded in the PDF; no model call was made.</summary>
    EmbeddedXml,
}

/// <summary>A structured e-invoice syntax.</summary>
public enum EInvoiceFormat
{
    /// <summary>UN/CEFACT Cross Industry Invoice as used by Factur-X and ZUGFeRD 2.x.</summary>
    FacturX,

    /// <summary>UN/CEFACT Cross Industry Invoice declaring the German XRechnung specification.</summary>
    XRechnungCii,

    /// <summary>ZUGFeRD 1.0 Cross Industry Document (namespace <c>urn:ferd:CrossIndustryDocument:invoice:1p0</c>).</summary>
    ZugferdV1,

    /// <summary>OASIS UBL 2.1 Invoice or CreditNote (including XRechnung UBL and Peppol BIS).</summary>
    Ubl,
}
