using System.Xml.Linq;

namespace InvoiceOcr.Sdk.EInvoices;

/// <summary>
/// Maps a UN/CEFACT Cross Industry Invoice (Factur-X, ZUGFeRD 2.x, XRechnung CII; all profiles from MINIMUM to
/// EXTENDED) and the ZUGFeRD 1.0 Cross Industry Document to <see cref="Invoice"/>.
/// </summary>
internal static class CiiInvoiceMapper
{
    /// <summary>The ZUGFeRD 1.0 root namespace.</summary>
    internal const string ZugferdV1Namespace = "urn:ferd:CrossIndustryDocument:invoice:1p0";

    /// <summary>The CII D16B root namespace used by Factur-X, ZUGFeRD 2.x and XRechnung.</summary>
    internal const string CiiNamespace = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";

    /// <summary>Returns whether the root element is a CII invoice or a ZUGFeRD 1.0 document.</summary>
    internal static bool CanMap(XElement root) =>
        (root.Name.LocalName == "CrossIndustryInvoice" && root.Name.NamespaceName == CiiNamespace) ||
        (root.Name.LocalName == "CrossIndustryDocument" && root.Name.NamespaceName == ZugferdV1Namespace);

    /// <summary>Maps the document.</summary>
    internal static Invoice Map(XElement root, string? attachmentName)
    {
        var context = root.El("ExchangedDocumentContext", "SpecifiedExchangedDocumentContext");
        var profile = context.El("GuidelineSpecifiedDocumentContextParameter").El("ID").Text();
        var format = root.Name.NamespaceName == ZugferdV1Namespace
            ? EInvoiceFormat.ZugferdV1
            : profile?.Contains("xrechnung", StringComparison.OrdinalIgnoreCase) == true ? EInvoiceFormat.XRechnungCii : EInvoiceFormat.FacturX;

        var header = root.El("ExchangedDocument", "HeaderExchangedDocument");
        var transaction = root.El("SupplyChainTradeTransaction", "SpecifiedSupplyChainTradeTransaction");
        var agreement = transaction.El("ApplicableHeaderTradeAgreement", "ApplicableSupplyChainTradeAgreement");
        var delivery = transaction.El("ApplicableHeaderTradeDelivery", "ApplicableSupplyChainTradeDelivery");
        var settlement = transaction.El("ApplicableHeaderTradeSettlement", "ApplicableSupplyChainTradeSettlement");
        var sums = settlement.El("SpecifiedTradeSettlementHeaderMonetarySummation", "SpecifiedTradeSettlementMonetarySummation");

        var currency = settlement.El("InvoiceCurrencyCode").Text();
        var taxCurrency = settlement.El("TaxCurrencyCode").Text();
        if (taxCurrency == currency)
        {
            taxCurrency = null;
        }

        var (totalTax, totalTaxInTaxCurrency) = TaxTotals(sums, currency, taxCurrency);
        var breakdown = settlement.Els("ApplicableTradeTax").Select(Tax).ToList();
        var buyer = agreement.El("BuyerTradeParty");
        var shipTo = delivery.El("ShipToTradeParty");
        var terms = settlement.Els("SpecifiedTradePaymentTerms").ToList();

        return new Invoice
        {
            DocumentType = XmlNav.DocumentType(header.El("TypeCode").Text(), InvoiceDocumentType.Invoice),
            InvoiceId = header.El("ID").Text(),
            InvoiceDate = header.El("IssueDateTime").CiiDate(),
            DueDate = terms.Select(t => t.El("DueDateDateTime").CiiDate()).FirstOrDefault(d => d is not null),
            PurchaseOrder = agreement.El("BuyerOrderReferencedDocument").El("IssuerAssignedID", "ID").Text(),
            CustomerId = buyer.El("ID").Text(),
            PaymentTerms = XmlNav.Join("; ", terms.Select(t => t.El("Description").Text())),
            Currency = currency,
            Vendor = Party(agreement.El("SellerTradeParty")),
            Customer = Party(buyer),
            ShippingAddress = Address(shipTo.El("PostalTradeAddress")),
            ShippingAddressRecipient = shipTo.El("Name").Text(),
            ServicePeriod = Period(settlement.El("BillingSpecifiedPeriod")),
            Subtotal = sums.El("LineTotalAmount").Decimal(),
            TotalDiscount = sums.El("AllowanceTotalAmount").Decimal(),
            TotalCharges = sums.El("ChargeTotalAmount").Decimal(),
            TotalTax = totalTax,
            Total = sums.El("GrandTotalAmount").Decimal(),
            PrepaidAmount = sums.El("TotalPrepaidAmount").Decimal(),
            AmountDue = sums.El("DuePayableAmount").Decimal(),
            TaxCurrency = taxCurrency,
            TotalTaxInTaxCurrency = totalTaxInTaxCurrency,
            ReverseCharge = breakdown.Count == 0 ? null : breakdown.Any(b => b.Category == "AE"),
            TaxBreakdown = breakdown,
            PaymentDetails = Payments(settlement),
            LineItems = transaction.Els("IncludedSupplyChainTradeLineItem").Select(Line).ToList(),
            Notes = header.Els("IncludedNote").Select(n => XmlNav.Join("\n", n.Els("Content").Select(c => c.Text()))).OfType<string>().ToList(),
            Source = new InvoiceSource { Kind = InvoiceSourceKind.EmbeddedXml, Format = format, AttachmentName = attachmentName, Profile = profile },
        };
    }

    private static (decimal? InvoiceCurrency, decimal? TaxCurrency) TaxTotals(XElement? sums, string? currency, string? taxCurrency)
    {
        var totals = sums.Els("TaxTotalAmount").ToList();
        if (totals.Count <= 1)
        {
            var only = totals.FirstOrDefault();
            return only is not null && taxCurrency is not null && only.Attr("currencyID") == taxCurrency && currency is not null
                ? (null, only.Decimal())
                : (only.Decimal(), null);
        }

        var inInvoiceCurrency = totals.FirstOrDefault(t => t.Attr("currencyID") is null || t.Attr("currencyID") == currency) ?? totals[0];
        var inTaxCurrency = taxCurrency is null ? null : totals.FirstOrDefault(t => t.Attr("currencyID") == taxCurrency);
        return (inInvoiceCurrency.Decimal(), inTaxCurrency.Decimal());
    }

    private static TaxBreakdown Tax(XElement tax) => new()
    {
        Rate = tax.El("RateApplicablePercent", "ApplicablePercent").Decimal(),
        TaxableAmount = tax.El("BasisAmount").Decimal(),
        TaxAmount = tax.El("CalculatedAmount").Decimal(),
        Category = tax.El("CategoryCode").Text(),
        ExemptionReason = tax.El("ExemptionReason").Text(),
    };

    private static InvoiceParty? Party(XElement? party)
    {
        if (party is null)
        {
            return null;
        }

        var registrations = party.Els("SpecifiedTaxRegistration").Select(r => r.El("ID")).OfType<XElement>().ToList();
        var contact = party.El("DefinedTradeContact");
        return new InvoiceParty
        {
            Name = party.El("Name").Text(),
            Address = Address(party.El("PostalTradeAddress")),
            VatId = registrations.FirstOrDefault(r => r.Attr("schemeID") == "VA").Text(),
            TaxId = registrations.FirstOrDefault(r => r.Attr("schemeID") != "VA").Text(),
            RegistrationId = party.El("SpecifiedLegalOrganization").El("ID").Text(),
            Email = contact.El("EmailURIUniversalCommunication").El("URIID").Text() ?? party.El("URIUniversalCommunication").El("URIID").Text(),
            Phone = contact.El("TelephoneUniversalCommunication").El("CompleteNumber").Text(),
        };
    }

    private static PostalAddress? Address(XElement? address) => address is null ? null : new PostalAddress
    {
        Street = address.El("LineOne").Text(),
        AdditionalStreet = XmlNav.Join(", ", [address.El("LineTwo").Text(), address.El("LineThree").Text()]),
        City = address.El("CityName").Text(),
        PostalCode = address.El("PostcodeCode").Text(),
        State = address.El("CountrySubDivisionName").Text(),
        CountryCode = address.El("CountryID").Text(),
    };

    private static ServicePeriod? Period(XElement? period) => period is null ? null : new ServicePeriod
    {
        Start = period.El("StartDateTime").CiiDate(),
        End = period.El("EndDateTime").CiiDate(),
    };

    private static List<PaymentDetails> Payments(XElement? settlement)
    {
        var reference = settlement.El("PaymentReference").Text();
        var payments = new List<PaymentDetails>();
        foreach (var means in settlement.Els("SpecifiedTradeSettlementPaymentMeans"))
        {
            var account = means.El("PayeePartyCreditorFinancialAccount", "PayerPartyDebtorFinancialAccount");
            var institution = means.El("PayeeSpecifiedCreditorFinancialInstitution", "PayerSpecifiedDebtorFinancialInstitution");
            if (account is null && institution is null)
            {
                continue;
            }

            payments.Add(new PaymentDetails
            {
                Iban = account.El("IBANID").Text(),
                AccountNumber = account.El("ProprietaryID").Text(),
                AccountHolder = account.El("AccountName").Text(),
                Bic = institution.El("BICID").Text(),
                BankName = institution.El("Name").Text(),
                PaymentReference = reference,
            });
        }

        if (payments.Count == 0 && reference is not null)
        {
            payments.Add(new PaymentDetails { PaymentReference = reference });
        }

        return payments;
    }

    private static InvoiceLineItem Line(XElement line)
    {
        var product = line.El("SpecifiedTradeProduct");
        var agreement = line.El("SpecifiedLineTradeAgreement", "SpecifiedSupplyChainTradeAgreement");
        var delivery = line.El("SpecifiedLineTradeDelivery", "SpecifiedSupplyChainTradeDelivery");
        var settlement = line.El("SpecifiedLineTradeSettlement", "SpecifiedSupplyChainTradeSettlement");
        var netPrice = agreement.El("NetPriceProductTradePrice");
        var quantity = delivery.El("BilledQuantity");

        decimal? discount = null;
        foreach (var allowance in settlement.Els("SpecifiedTradeAllowanceCharge"))
        {
            var isCharge = string.Equals(allowance.El("ChargeIndicator").El("Indicator").Text(), "true", StringComparison.OrdinalIgnoreCase);
            var value = allowance.El("ActualAmount").Decimal() ?? 0m;
            discount = (discount ?? 0m) + (isCharge ? -value : value);
        }

        var period = settlement.El("BillingSpecifiedPeriod");
        var amount = settlement.El("SpecifiedTradeSettlementLineMonetarySummation", "SpecifiedTradeSettlementMonetarySummation").El("LineTotalAmount").Decimal();
        return new InvoiceLineItem
        {
            Description = product.El("Name").Text() ?? product.El("Description").Text(),
            ProductCode = product.El("SellerAssignedID").Text() ?? product.El("BuyerAssignedID").Text() ?? product.El("GlobalID").Text(),
            Quantity = quantity.Decimal(),
            Unit = quantity.Attr("unitCode"),
            UnitPrice = XmlNav.UnitPrice(netPrice.El("ChargeAmount").Decimal(), netPrice.El("BasisQuantity").Decimal(), quantity.Decimal(), amount, discount),
            Discount = discount,
            TaxRate = settlement.El("ApplicableTradeTax").El("RateApplicablePercent", "ApplicablePercent").Decimal(),
            Amount = amount,
            Date = period.El("StartDateTime").CiiDate() ?? delivery.El("ActualDeliverySupplyChainEvent").El("OccurrenceDateTime").CiiDate(),
        };
    }
}
