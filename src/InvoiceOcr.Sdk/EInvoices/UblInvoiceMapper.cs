using System.Xml.Linq;

namespace InvoiceOcr.Sdk.EInvoices;

/// <summary>Maps an OASIS UBL 2.1 <c>Invoice</c> or <c>CreditNote</c> (including XRechnung UBL and Peppol BIS) to <see cref="Invoice"/>.</summary>
internal static class UblInvoiceMapper
{
    private const string InvoiceNamespace = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
    private const string CreditNoteNamespace = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";

    /// <summary>Returns whether the root element is a UBL invoice or credit note.</summary>
    internal static bool CanMap(XElement root) =>
        (root.Name.LocalName == "Invoice" && root.Name.NamespaceName == InvoiceNamespace) ||
        (root.Name.LocalName == "CreditNote" && root.Name.NamespaceName == CreditNoteNamespace);

    /// <summary>Maps the document.</summary>
    internal static Invoice Map(XElement root, string? attachmentName)
    {
        var isCreditNote = root.Name.LocalName == "CreditNote";
        var currency = root.El("DocumentCurrencyCode").Text();
        var taxCurrency = root.El("TaxCurrencyCode").Text();
        if (taxCurrency == currency)
        {
            taxCurrency = null;
        }

        var taxTotals = root.Els("TaxTotal").ToList();
        var taxTotal = taxTotals.FirstOrDefault(t => t.El("TaxAmount").Attr("currencyID") is var c && (c is null || c == currency)) ?? taxTotals.FirstOrDefault();
        var taxTotalInTaxCurrency = taxCurrency is null ? null : taxTotals.FirstOrDefault(t => t.El("TaxAmount").Attr("currencyID") == taxCurrency);
        var breakdown = taxTotal.Els("TaxSubtotal").Select(Tax).ToList();
        var sums = root.El("LegalMonetaryTotal");
        var paymentMeans = root.Els("PaymentMeans").ToList();
        var customer = root.El("AccountingCustomerParty");
        var delivery = root.El("Delivery");

        return new Invoice
        {
            DocumentType = XmlNav.DocumentType(
                root.El("InvoiceTypeCode", "CreditNoteTypeCode").Text(),
                isCreditNote ? InvoiceDocumentType.CreditNote : InvoiceDocumentType.Invoice),
            InvoiceId = root.El("ID").Text(),
            InvoiceDate = root.El("IssueDate").IsoDate(),
            DueDate = root.El("DueDate").IsoDate() ?? paymentMeans.Select(m => m.El("PaymentDueDate").IsoDate()).FirstOrDefault(d => d is not null),
            PurchaseOrder = root.El("OrderReference").El("ID").Text(),
            CustomerId = customer.El("CustomerAssignedAccountID").Text() ?? customer.El("Party").El("PartyIdentification").El("ID").Text(),
            PaymentTerms = XmlNav.Join("; ", root.Els("PaymentTerms").Select(t => t.El("Note").Text())),
            Currency = currency,
            Vendor = Party(root.El("AccountingSupplierParty").El("Party")),
            Customer = Party(customer.El("Party")),
            ShippingAddress = Address(delivery.El("DeliveryLocation").El("Address")),
            ShippingAddressRecipient = delivery.El("DeliveryParty").El("PartyName").El("Name").Text(),
            ServicePeriod = Period(root.El("InvoicePeriod")),
            Subtotal = sums.El("LineExtensionAmount").Decimal(),
            TotalDiscount = sums.El("AllowanceTotalAmount").Decimal(),
            TotalCharges = sums.El("ChargeTotalAmount").Decimal(),
            TotalTax = taxTotal.El("TaxAmount").Decimal(),
            Total = sums.El("TaxInclusiveAmount").Decimal(),
            PrepaidAmount = sums.El("PrepaidAmount").Decimal(),
            AmountDue = sums.El("PayableAmount").Decimal(),
            TaxCurrency = taxCurrency,
            TotalTaxInTaxCurrency = taxTotalInTaxCurrency.El("TaxAmount").Decimal(),
            ReverseCharge = breakdown.Count == 0 ? null : breakdown.Any(b => b.Category == "AE"),
            TaxBreakdown = breakdown,
            PaymentDetails = paymentMeans.Select(Payment).OfType<PaymentDetails>().ToList(),
            LineItems = root.Els(isCreditNote ? "CreditNoteLine" : "InvoiceLine").Select(Line).ToList(),
            Notes = root.Els("Note").Select(n => n.Text()).OfType<string>().ToList(),
            Source = new InvoiceSource
            {
                Kind = InvoiceSourceKind.EmbeddedXml,
                Format = EInvoiceFormat.Ubl,
                AttachmentName = attachmentName,
                Profile = root.El("CustomizationID").Text() ?? (root.El("UBLVersionID").Text() is { } version ? "UBL " + version : null),
            },
        };
    }

    private static TaxBreakdown Tax(XElement subtotal)
    {
        var category = subtotal.El("TaxCategory");
        return new TaxBreakdown
        {
            Rate = subtotal.El("Percent").Decimal() ?? category.El("Percent").Decimal(),
            TaxableAmount = subtotal.El("TaxableAmount").Decimal(),
            TaxAmount = subtotal.El("TaxAmount").Decimal(),
            Category = category.El("ID").Text(),
            ExemptionReason = category.El("TaxExemptionReason").Text(),
        };
    }

    private static InvoiceParty? Party(XElement? party)
    {
        if (party is null)
        {
            return null;
        }

        var schemes = party.Els("PartyTaxScheme").ToList();
        var vat = schemes.FirstOrDefault(s => s.El("TaxScheme").El("ID").Text() is "VAT" or null);
        var other = schemes.FirstOrDefault(s => s != vat);
        var legal = party.El("PartyLegalEntity");
        var contact = party.El("Contact");
        return new InvoiceParty
        {
            Name = party.El("PartyName").El("Name").Text() ?? legal.El("RegistrationName").Text(),
            Address = Address(party.El("PostalAddress")),
            VatId = vat.El("CompanyID").Text(),
            TaxId = other.El("CompanyID").Text(),
            RegistrationId = legal.El("CompanyID").Text(),
            Email = contact.El("ElectronicMail").Text(),
            Phone = contact.El("Telephone").Text(),
            Website = party.El("WebsiteURI").Text(),
        };
    }

    private static PostalAddress? Address(XElement? address) => address is null ? null : new PostalAddress
    {
        Street = XmlNav.Join(" ", [address.El("StreetName").Text(), address.El("BuildingNumber").Text()]),
        AdditionalStreet = XmlNav.Join(", ", [address.El("AdditionalStreetName").Text(), address.El("AddressLine").El("Line").Text()]),
        City = address.El("CityName").Text(),
        PostalCode = address.El("PostalZone").Text(),
        State = address.El("CountrySubentity").Text(),
        CountryCode = address.El("Country").El("IdentificationCode").Text(),
    };

    private static ServicePeriod? Period(XElement? period) => period is null ? null : new ServicePeriod
    {
        Start = period.El("StartDate").IsoDate(),
        End = period.El("EndDate").IsoDate(),
    };

    private static PaymentDetails? Payment(XElement means)
    {
        var account = means.El("PayeeFinancialAccount");
        var reference = means.El("PaymentID").Text();
        if (account is null && reference is null)
        {
            return null;
        }

        var id = account.El("ID").Text();
        var looksLikeIban = id is { Length: >= 15 } && char.IsAsciiLetter(id[0]) && char.IsAsciiLetter(id[1]) && char.IsAsciiDigit(id[2]) && char.IsAsciiDigit(id[3]);
        var branch = account.El("FinancialInstitutionBranch");
        return new PaymentDetails
        {
            Iban = looksLikeIban ? id : null,
            AccountNumber = looksLikeIban ? null : id,
            AccountHolder = account.El("Name").Text(),
            Bic = branch.El("ID").Text() ?? branch.El("FinancialInstitution").El("ID").Text(),
            BankName = branch.El("Name").Text(),
            PaymentReference = reference,
        };
    }

    private static InvoiceLineItem Line(XElement line)
    {
        var item = line.El("Item");
        var price = line.El("Price");
        var quantity = line.El("InvoicedQuantity", "CreditedQuantity");
        decimal? discount = null;
        foreach (var allowance in line.Els("AllowanceCharge"))
        {
            var isCharge = string.Equals(allowance.El("ChargeIndicator").Text(), "true", StringComparison.OrdinalIgnoreCase);
            var value = allowance.El("Amount").Decimal() ?? 0m;
            discount = (discount ?? 0m) + (isCharge ? -value : value);
        }

        var lineTax = line.El("TaxTotal");
        var amount = line.El("LineExtensionAmount").Decimal();
        return new InvoiceLineItem
        {
            Description = item.El("Name").Text() ?? item.El("Description").Text(),
            ProductCode = item.El("SellersItemIdentification").El("ID").Text() ?? item.El("StandardItemIdentification").El("ID").Text(),
            Quantity = quantity.Decimal(),
            Unit = quantity.Attr("unitCode"),
            UnitPrice = XmlNav.UnitPrice(price.El("PriceAmount").Decimal(), price.El("BaseQuantity").Decimal(), quantity.Decimal(), amount, discount),
            Discount = discount,
            TaxRate = lineTax.El("TaxSubtotal").El("Percent").Decimal() ?? item.El("ClassifiedTaxCategory").El("Percent").Decimal(),
            TaxAmount = lineTax.El("TaxAmount").Decimal(),
            Amount = amount,
            Date = line.El("InvoicePeriod").El("StartDate").IsoDate(),
        };
    }
}
