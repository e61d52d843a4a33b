using System.ComponentModel;
using InvoiceOcr.Sdk.Invoices;

namespace InvoiceOcr.Sdk;

/// <summary>
/// An extracted invoice: parties, dates, totals, taxes (EU VAT and India GST), payment details and line items.
/// Covers at least the field set of Azure Document Intelligence's prebuilt invoice model. Every field is optional
/// because a document may not carry it; the <see cref="InvoiceValidator"/> reports what is missing or inconsistent.
/// </summary>
/// <remarks>
/// Amounts are <see cref="decimal"/> in <see cref="Currency"/>; dates are <see cref="DateOnly"/>; rates are
/// percentages (19 means 19 %). The Gemini response schema is generated from this type, so the two cannot drift apart.
/// </remarks>
[Description("An invoice, credit note or receipt extracted from a document.")]
public sealed record Invoice
{
    /// <summary>Gets the kind of document.</summary>
    /// <value>The default value is <see cref="InvoiceDocumentType.Invoice"/>.</value>
    [Description("Kind of document: Invoice, CreditNote (refund/credit memo), DebitNote, SelfBilledInvoice (issued by the buyer on the seller's behalf, e.g. German 'Gutschrift'), CorrectedInvoice, PrepaymentInvoice, ProFormaInvoice, Receipt (proof of payment, e.g. till receipt) or Other.")]
    [ExtractionRequired]
    public InvoiceDocumentType DocumentType { get; init; } = InvoiceDocumentType.Invoice;

    /// <summary>Gets the invoice number as printed.</summary>
    [Description("Invoice number exactly as printed, without a label such as 'No.'.")]
    [ExtractionRequired]
    public string? InvoiceId { get; init; }

    /// <summary>Gets the issue date.</summary>
    [Description("Issue date of the document, ISO 8601 date (yyyy-MM-dd). Read the document's locale: 11/03/2017 on a US invoice is 2017-11-03.")]
    [ExtractionRequired]
    public DateOnly? InvoiceDate { get; init; }

    /// <summary>Gets the payment due date.</summary>
    [Description("Payment due date, ISO 8601 date (yyyy-MM-dd).")]
    public DateOnly? DueDate { get; init; }

    /// <summary>Gets the buyer's purchase order reference.</summary>
    [Description("Buyer's purchase order number or order reference.")]
    public string? PurchaseOrder { get; init; }

    /// <summary>Gets the customer number the vendor assigned to the customer.</summary>
    [Description("Customer id or account number the vendor assigned to the customer.")]
    public string? CustomerId { get; init; }

    /// <summary>Gets the payment terms as printed, for example <c>Net 30</c>.</summary>
    [Description("Payment terms as printed, e.g. 'Net 30' or '2% discount within 10 days'.")]
    public string? PaymentTerms { get; init; }

    /// <summary>Gets the invoice currency as an ISO 4217 code, for example <c>EUR</c>.</summary>
    [Description("Invoice currency, ISO 4217 three-letter code (EUR, USD, INR, GBP...). Infer it from symbols like € or ₹ when no code is printed.")]
    [ExtractionRequired]
    public string? Currency { get; init; }

    /// <summary>Gets the seller (supplier) that issued the invoice.</summary>
    [Description("The seller / supplier / vendor that issued the invoice.")]
    [ExtractionRequired]
    public InvoiceParty? Vendor { get; init; }

    /// <summary>Gets the buyer (customer) the invoice is addressed to.</summary>
    [Description("The buyer / customer the invoice is addressed to.")]
    public InvoiceParty? Customer { get; init; }

    /// <summary>Gets the billing address when it differs from the customer's address.</summary>
    [Description("Billing address, only when printed separately from the customer's address.")]
    public PostalAddress? BillingAddress { get; init; }

    /// <summary>Gets the shipping (delivery) address.</summary>
    [Description("Shipping / delivery address.")]
    public PostalAddress? ShippingAddress { get; init; }

    /// <summary>Gets the name of the shipping recipient.</summary>
    [Description("Name of the person or company at the shipping address.")]
    public string? ShippingAddressRecipient { get; init; }

    /// <summary>Gets the remittance address (where to send payment).</summary>
    [Description("Remittance address (where to send payment), only when printed.")]
    public PostalAddress? RemittanceAddress { get; init; }

    /// <summary>Gets the service address (where the service was performed).</summary>
    [Description("Service address (where the service was performed), only when printed.")]
    public PostalAddress? ServiceAddress { get; init; }

    /// <summary>Gets the service or billing period the invoice covers.</summary>
    [Description("Service or billing period the invoice covers.")]
    public ServicePeriod? ServicePeriod { get; init; }

    /// <summary>Gets the sum of the line net amounts, before document-level discounts, charges and tax.</summary>
    [Description("Sum of the line amounts before document-level discounts, charges and tax (net subtotal).")]
    public decimal? Subtotal { get; init; }

    /// <summary>Gets the total of document-level discounts (allowances), as a positive amount.</summary>
    [Description("Total of document-level discounts / allowances, as a positive number.")]
    public decimal? TotalDiscount { get; init; }

    /// <summary>Gets the total of document-level charges (shipping, handling, packaging), as a positive amount.</summary>
    [Description("Total of document-level charges such as shipping, handling or packaging, as a positive number.")]
    public decimal? TotalCharges { get; init; }

    /// <summary>Gets the total tax in the invoice currency.</summary>
    [Description("Total tax amount (VAT/GST/sales tax) in the invoice currency.")]
    public decimal? TotalTax { get; init; }

    /// <summary>Gets the invoice total including tax.</summary>
    [Description("Invoice total including tax (grand total).")]
    [ExtractionRequired]
    public decimal? Total { get; init; }

    /// <summary>Gets the amount already paid (prepayments, deposits).</summary>
    [Description("Amount already paid (prepayment, deposit) that is deducted from the total.")]
    public decimal? PrepaidAmount { get; init; }

    /// <summary>Gets the previous unpaid balance carried forward onto this invoice.</summary>
    [Description("Previous unpaid balance carried forward onto this invoice.")]
    public decimal? PreviousUnpaidBalance { get; init; }

    /// <summary>Gets the amount still to pay.</summary>
    [Description("Amount due / balance to pay.")]
    public decimal? AmountDue { get; init; }

    /// <summary>Gets the currency VAT must be accounted in, when it differs from <see cref="Currency"/> (ISO 4217 code).</summary>
    [Description("Currency in which VAT is accounted, ISO 4217 code, only when it differs from the invoice currency.")]
    public string? TaxCurrency { get; init; }

    /// <summary>Gets the total tax expressed in <see cref="TaxCurrency"/>.</summary>
    [Description("Total tax expressed in the tax currency, only when a separate tax currency is printed.")]
    public decimal? TotalTaxInTaxCurrency { get; init; }

    /// <summary>Gets a value indicating whether the VAT reverse-charge mechanism applies (the buyer accounts for VAT).</summary>
    [Description("True when the invoice states that the VAT reverse charge applies (buyer liable for VAT).")]
    public bool? ReverseCharge { get; init; }

    /// <summary>Gets the tax breakdown, one entry per tax category and rate.</summary>
    [Description("Tax breakdown: one entry per tax rate / category with its taxable amount and tax amount.")]
    public IReadOnlyList<TaxBreakdown> TaxBreakdown { get; init => field = value ?? []; } = [];

    /// <summary>Gets India GST details, when the document is an Indian GST invoice.</summary>
    [Description("India GST details; only for Indian GST invoices, otherwise null.")]
    public GstDetails? Gst { get; init; }

    /// <summary>Gets the payment details (bank accounts, references).</summary>
    [Description("Bank accounts and payment references printed for paying this invoice.")]
    public IReadOnlyList<PaymentDetails> PaymentDetails { get; init => field = value ?? []; } = [];

    /// <summary>Gets the line items in document order.</summary>
    [Description("Line items in document order. Include every billed line; skip pure headings and blank rows.")]
    [ExtractionRequired]
    public IReadOnlyList<InvoiceLineItem> LineItems { get; init => field = value ?? []; } = [];

    /// <summary>Gets free-text notes printed on the invoice.</summary>
    [Description("Free-text notes printed on the invoice (legal remarks, exemption reasons).")]
    public IReadOnlyList<string> Notes { get; init => field = value ?? []; } = [];

    /// <summary>Gets where the data came from: the model or an e-invoice XML embedded in the PDF.</summary>
    /// <value>The default value is <see cref="InvoiceSource.Model"/>.</value>
    [ExcludedFromModelSchema]
    public InvoiceSource Source { get; init => field = value ?? InvoiceSource.Model; } = InvoiceSource.Model;
}
