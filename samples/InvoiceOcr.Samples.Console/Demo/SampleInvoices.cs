using System.Globalization;
using System.Security.Cryptography;
using InvoiceOcr.Samples.ConsoleApp.Output;
using InvoiceOcr.Sdk;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace InvoiceOcr.Samples.ConsoleApp.Demo;

/// <summary>An invoice PDF this repository generates itself, and the answer the emulator is told to give for it.</summary>
/// <param name="FileName">The generated file's name.</param>
/// <param name="Pdf">The PDF bytes.</param>
/// <param name="Sha256">The PDF's SHA-256 (lowercase hex), which the emulator's canned answers are keyed by.</param>
/// <param name="Invoice">The invoice printed on the page.</param>
internal sealed record SampleInvoice(string FileName, byte[] Pdf, string Sha256, Invoice Invoice)
{
    /// <summary>Gets the emulator's canned answer: the printed invoice as the model's JSON.</summary>
    public string Answer => CliJson.Serialize(Invoice with { Source = InvoiceSource.Model });
}

/// <summary>
/// The repository's own sample invoices, used by the demo when the shared e-invoice corpus is not available: rendered
/// to PDF at run time with PdfPig and answered by the emulator from canned answers (clearly labelled simulated).
/// </summary>
internal static class SampleInvoices
{
    public static IReadOnlyList<SampleInvoice> Create() =>
    [
        Render("sample-invoice-1001.pdf", new Invoice
        {
            InvoiceId = "INV-1001",
            InvoiceDate = new DateOnly(2026, 1, 15),
            DueDate = new DateOnly(2026, 2, 14),
            Currency = "EUR",
            Vendor = new InvoiceParty { Name = "Northwind Office Supplies GmbH", VatId = "DE123456789", Address = new PostalAddress { Street = "Lindenstrasse 12", PostalCode = "10969", City = "Berlin", CountryCode = "DE" } },
            Customer = new InvoiceParty { Name = "Contoso Consulting AG", Address = new PostalAddress { Street = "Marktplatz 3", PostalCode = "80331", City = "Munich", CountryCode = "DE" } },
            LineItems =
            [
                new InvoiceLineItem { Description = "Printer paper A4, 80 g (box of 5 reams)", Quantity = 4, UnitPrice = 24.90m, TaxRate = 19, Amount = 99.60m },
                new InvoiceLineItem { Description = "Ballpoint pens, blue (pack of 50)", Quantity = 2, UnitPrice = 12.50m, TaxRate = 19, Amount = 25.00m },
            ],
            TaxBreakdown = [new TaxBreakdown { Rate = 19, TaxableAmount = 124.60m, TaxAmount = 23.67m, Category = "S" }],
            Subtotal = 124.60m,
            TotalTax = 23.67m,
            Total = 148.27m,
            AmountDue = 148.27m,
            PaymentTerms = "Net 30",
        }),
        Render("sample-invoice-2002.pdf", new Invoice
        {
            InvoiceId = "2026-0042",
            InvoiceDate = new DateOnly(2026, 2, 3),
            DueDate = new DateOnly(2026, 3, 5),
            Currency = "GBP",
            Vendor = new InvoiceParty { Name = "Fabrikam Hosting Ltd", VatId = "GB123456789", Address = new PostalAddress { Street = "1 Harbour Road", PostalCode = "BS1 5TT", City = "Bristol", CountryCode = "GB" } },
            Customer = new InvoiceParty { Name = "Tailspin Toys Ltd", Address = new PostalAddress { Street = "22 Mill Lane", PostalCode = "M1 2AB", City = "Manchester", CountryCode = "GB" } },
            ServicePeriod = new ServicePeriod { Start = new DateOnly(2026, 1, 1), End = new DateOnly(2026, 1, 31) },
            LineItems =
            [
                new InvoiceLineItem { Description = "Managed server M (January)", Quantity = 1, UnitPrice = 180.00m, TaxRate = 20, Amount = 180.00m },
                new InvoiceLineItem { Description = "Backup storage, 500 GB", Quantity = 1, UnitPrice = 25.00m, TaxRate = 20, Amount = 25.00m },
            ],
            TaxBreakdown = [new TaxBreakdown { Rate = 20, TaxableAmount = 205.00m, TaxAmount = 41.00m, Category = "S" }],
            Subtotal = 205.00m,
            TotalTax = 41.00m,
            Total = 246.00m,
            AmountDue = 246.00m,
        }),
        Render("sample-invoice-3003.pdf", new Invoice
        {
            InvoiceId = "MH/2025-26/0317",
            InvoiceDate = new DateOnly(2026, 2, 20),
            Currency = "INR",
            Vendor = new InvoiceParty { Name = "Adventure Works Traders Pvt Ltd", Address = new PostalAddress { Street = "14 FC Road", PostalCode = "411004", City = "Pune", State = "Maharashtra", CountryCode = "IN" } },
            Customer = new InvoiceParty { Name = "Wide World Importers LLP", Address = new PostalAddress { Street = "5 MG Road", PostalCode = "560001", City = "Bengaluru", State = "Karnataka", CountryCode = "IN" } },
            LineItems =
            [
                new InvoiceLineItem { Description = "Steel shelving unit", Quantity = 3, UnitPrice = 4500.00m, TaxRate = 18, Amount = 13500.00m },
            ],
            TaxBreakdown = [new TaxBreakdown { Rate = 18, TaxableAmount = 13500.00m, TaxAmount = 2430.00m, Category = "IGST" }],
            Subtotal = 13500.00m,
            TotalTax = 2430.00m,
            Total = 15930.00m,
            AmountDue = 15930.00m,
        }),
    ];

    private static SampleInvoice Render(string fileName, Invoice invoice)
    {
        using var builder = new PdfDocumentBuilder();
        var page = builder.AddPage(PageSize.A4);
        var regular = builder.AddStandard14Font(Standard14Font.Helvetica);
        var bold = builder.AddStandard14Font(Standard14Font.HelveticaBold);
        var y = 790.0;

        void Line(string text, double size = 10, bool strong = false, double x = 50)
        {
            page.AddText(text, size, new PdfPoint(x, y), strong ? bold : regular);
            y -= size + 6;
        }

        string Money(decimal? amount) => amount?.ToString("#,0.00", CultureInfo.InvariantCulture) + " " + invoice.Currency;

        Line(invoice.Vendor!.Name!, 16, strong: true);
        Line(Address(invoice.Vendor.Address));
        if (invoice.Vendor.VatId is { } vat)
        {
            Line("VAT ID: " + vat);
        }

        y -= 14;
        Line("INVOICE", 20, strong: true);
        Line("Invoice number: " + invoice.InvoiceId);
        Line("Invoice date: " + invoice.InvoiceDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (invoice.DueDate is { } due)
        {
            Line("Due date: " + due.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        }

        if (invoice.ServicePeriod is { } period)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"Service period: {period.Start:yyyy-MM-dd} to {period.End:yyyy-MM-dd}"));
        }

        y -= 10;
        Line("Bill to:", strong: true);
        Line(invoice.Customer!.Name!);
        Line(Address(invoice.Customer.Address));
        y -= 14;
        Line("Description                                   Qty     Unit price        Amount", strong: true);
        foreach (var item in invoice.LineItems)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"{item.Description,-44} {item.Quantity,5:0.##} {Money(item.UnitPrice),14} {Money(item.Amount),14}"));
        }

        y -= 10;
        Line("Subtotal: " + Money(invoice.Subtotal), x: 330);
        foreach (var tax in invoice.TaxBreakdown)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"Tax {tax.Category} {tax.Rate:0.##}%: {Money(tax.TaxAmount)}"), x: 330);
        }

        Line("Total: " + Money(invoice.Total), 12, strong: true, x: 330);
        if (invoice.PaymentTerms is { } terms)
        {
            y -= 10;
            Line("Payment terms: " + terms);
        }

        y -= 20;
        Line("Sample invoice generated by InvoiceOcr.Samples.Console; not a real business document.", 8);
        var pdf = builder.Build();
        return new SampleInvoice(fileName, pdf, Convert.ToHexStringLower(SHA256.HashData(pdf)), invoice);
    }

    private static string Address(PostalAddress? address) =>
        address is null ? string.Empty : string.Join(", ", new[] { address.Street, $"{address.PostalCode} {address.City}".Trim(), address.State, address.CountryCode }.Where(p => !string.IsNullOrWhiteSpace(p)));
}
