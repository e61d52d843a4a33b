using System.Text.Json.Nodes;

namespace InvoiceOcr.Sdk.Scoring;

/// <summary>
/// Maps invoice2data's expected-output JSON (an array with one object, snake_case keys) to the SDK's invoice JSON shape.
/// Keys without a counterpart (template constants like <c>issuer</c> and <c>desc</c>, and fields the model has no place
/// for) are reported as unmapped and not scored. Line entries without any mapped key (section headers, notes) are skipped.
/// </summary>
internal static class Invoice2DataMapping
{
    /// <summary>invoice2data key → path in the invoice shape.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Fields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["invoice_number"] = "invoiceId",
        ["date"] = "invoiceDate",
        ["date_due"] = "dueDate",
        ["amount"] = "total",
        ["amount_untaxed"] = "subtotal",
        ["amount_tax"] = "totalTax",
        ["currency"] = "currency",
        ["vat"] = "vendor.vatId",
        ["partner_name"] = "vendor.name",
        ["partner_street"] = "vendor.address.street",
        ["partner_city"] = "vendor.address.city",
        ["partner_zip"] = "vendor.address.postalCode",
        ["country_code"] = "vendor.address.countryCode",
        ["partner_email"] = "vendor.email",
        ["partner_website"] = "vendor.website",
        ["telephone"] = "vendor.phone",
        ["gstin"] = "gst.supplierGstin",
        ["iban"] = "paymentDetails[0].iban",
        ["bic"] = "paymentDetails[0].bic",
        ["payment_reference"] = "paymentDetails[0].paymentReference",
        ["date_start"] = "servicePeriod.start",
        ["date_end"] = "servicePeriod.end",
    };

    /// <summary>invoice2data line key → line field in the invoice shape.</summary>
    internal static readonly IReadOnlyDictionary<string, string> LineFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["name"] = "description",
        ["code"] = "productCode",
        ["qty"] = "quantity",
        ["unece_code"] = "unit",
        ["price_unit"] = "unitPrice",
        ["line_tax_percent"] = "taxRate",
        ["price_subtotal"] = "amount",
    };

    /// <summary>Returns whether the JSON looks like invoice2data output: an array, or an object with a mapped snake_case key.</summary>
    internal static bool Looks(JsonNode? node) =>
        node is JsonArray || (node is JsonObject obj && obj.Any(p => p.Key.Contains('_', StringComparison.Ordinal) && Fields.ContainsKey(p.Key)));

    /// <summary>Converts invoice2data JSON to the invoice shape.</summary>
    /// <param name="node">The parsed ground truth.</param>
    /// <param name="unmapped">Receives the keys that were not mapped.</param>
    /// <returns>An object in the invoice shape.</returns>
    /// <exception cref="ArgumentException">The JSON is not an object or an array with exactly one object.</exception>
    internal static JsonObject ToInvoiceShape(JsonNode? node, List<string> unmapped)
    {
        var source = node switch
        {
            JsonArray { Count: 1 } array when array[0] is JsonObject first => first,
            JsonObject obj => obj,
            _ => throw new ArgumentException("invoice2data ground truth must be an array holding one object (or that object)."),
        };

        var result = new JsonObject();
        foreach (var (key, value) in source)
        {
            if (key == "lines" && value is JsonArray lines)
            {
                result["lineItems"] = MapLines(lines, unmapped);
            }
            else if (Fields.TryGetValue(key, out var path))
            {
                Set(result, path, value?.DeepClone());
            }
            else
            {
                unmapped.Add(key);
            }
        }

        return result;
    }

    private static JsonArray MapLines(JsonArray lines, List<string> unmapped)
    {
        var mapped = new JsonArray();
        foreach (var line in lines.OfType<JsonObject>())
        {
            var item = new JsonObject();
            foreach (var (key, value) in line)
            {
                if (LineFields.TryGetValue(key, out var field))
                {
                    item[field] = value?.DeepClone();
                }
                else if (!unmapped.Contains("lines[]." + key))
                {
                    unmapped.Add("lines[]." + key);
                }
            }

            if (item.Count > 0)
            {
                mapped.Add(item);
            }
        }

        return mapped;
    }

    private static void Set(JsonObject root, string path, JsonNode? value)
    {
        var parts = path.Split('.');
        var current = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            var part = parts[i];
            if (part.EndsWith("[0]", StringComparison.Ordinal))
            {
                var name = part[..^3];
                if (current[name] is not JsonArray array)
                {
                    current[name] = array = [new JsonObject()];
                }

                current = (JsonObject)array[0]!;
            }
            else
            {
                if (current[part] is not JsonObject child)
                {
                    current[part] = child = new JsonObject();
                }

                current = child;
            }
        }

        current[parts[^1]] = value;
    }
}
