using BenchmarkDotNet.Attributes;

namespace InvoiceOcr.Sdk.Benchmarks.Micro;

/// <summary>
/// The validation rules on an extracted invoice. Baseline: a bare invoice (id, date, total); then a realistic German
/// invoice with 20 lines, a tax breakdown and bank details; then an Indian GST invoice (GSTIN checksums, IRN, HSN/SAC).
/// </summary>
[MemoryDiagnoser]
public class ValidationBenchmarks
{
    private readonly InvoiceValidator _validator = new();
    private Invoice _bare = null!;
    private Invoice _full = null!;
    private Invoice _gst = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bare = new Invoice { InvoiceId = "RE-1", InvoiceDate = new DateOnly(2026, 3, 5), Total = 119m, Currency = "EUR" };
        var lines = Enumerable.Range(1, 20)
            .Select(i => new InvoiceLineItem { Description = "Item " + i, Quantity = i, UnitPrice = 10m, Amount = i * 10m, TaxRate = 19m, Unit = "C62" })
            .ToList();
        var subtotal = lines.Sum(l => l.Amount!.Value);
        var tax = Math.Round(subtotal * 0.19m, 2);
        _full = new Invoice
        {
            InvoiceId = "RE-2026-0042",
            InvoiceDate = new DateOnly(2026, 3, 5),
            DueDate = new DateOnly(2026, 4, 4),
            Currency = "EUR",
            Vendor = new InvoiceParty { Name = "Acme GmbH", VatId = "DE123456789", Address = new PostalAddress { Street = "Hauptstr. 1", City = "Berlin", PostalCode = "10115", CountryCode = "DE" } },
            Customer = new InvoiceParty { Name = "Kunde AG", VatId = "ATU12345678", Address = new PostalAddress { City = "Wien", PostalCode = "1010", CountryCode = "AT" } },
            Subtotal = subtotal,
            TotalTax = tax,
            Total = subtotal + tax,
            AmountDue = subtotal + tax,
            TaxBreakdown = [new TaxBreakdown { Rate = 19m, TaxableAmount = subtotal, TaxAmount = tax, Category = "S" }],
            PaymentDetails = [new PaymentDetails { Iban = "DE89370400440532013000", Bic = "COBADEFFXXX" }],
            LineItems = lines,
        };
        _gst = _full with
        {
            Currency = "INR",
            Vendor = new InvoiceParty { Name = "Acme India Pvt Ltd", Address = new PostalAddress { CountryCode = "IN", State = "Karnataka" } },
            Customer = new InvoiceParty { Name = "Buyer Ltd", Address = new PostalAddress { CountryCode = "IN", State = "Maharashtra" } },
            TaxBreakdown = [],
            PaymentDetails = [],
            Gst = new GstDetails { SupplierGstin = "29AAGCB7383J1Z4", RecipientGstin = "27AAPFU0939F1ZV", PlaceOfSupply = "27", IgstRate = 19m, IgstAmount = tax },
            LineItems = lines.Select(l => l with { HsnSac = "998313" }).ToList(),
        };
    }

    [Benchmark(Baseline = true, Description = "bare invoice")]
    public int Bare() => _validator.Validate(_bare).Count;

    [Benchmark(Description = "EU invoice, 20 lines")]
    public int Full() => _validator.Validate(_full).Count;

    [Benchmark(Description = "GST invoice, 20 lines")]
    public int Gst() => _validator.Validate(_gst).Count;
}
