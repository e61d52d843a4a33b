using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace InvoiceOcr.Sdk.Invoices;

/// <summary>Reads and writes <see cref="Invoice"/> JSON in the shape of <see cref="InvoiceSchema"/> (camelCase, source-generated).</summary>
internal static class InvoiceJson
{
    /// <summary>Gets the source-generated metadata for <see cref="Invoice"/>.</summary>
    internal static JsonTypeInfo<Invoice> TypeInfo => InvoiceJsonContext.Default.Invoice;

    /// <summary>Serialises an invoice (nulls omitted).</summary>
    /// <param name="invoice">The invoice.</param>
    /// <param name="indented">Whether to indent the JSON.</param>
    /// <returns>The JSON text.</returns>
    internal static string Serialize(Invoice invoice, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        if (!indented)
        {
            return JsonSerializer.Serialize(invoice, TypeInfo);
        }

        var options = new JsonSerializerOptions(InvoiceJsonContext.Default.Options) { WriteIndented = true };
        return JsonSerializer.Serialize(invoice, (JsonTypeInfo<Invoice>)options.GetTypeInfo(typeof(Invoice)));
    }

    /// <summary>
    /// Parses the model's answer text into an <see cref="Invoice"/>. A stray Markdown code fence (<c>```json … ```</c>)
    /// around the JSON is tolerated. The result's <see cref="Invoice.Source"/> is always <see cref="InvoiceSource.Model"/>.
    /// </summary>
    /// <param name="modelText">The text the model returned.</param>
    /// <returns>The invoice.</returns>
    /// <exception cref="InvoiceOcrException">With <see cref="InvoiceOcrErrorKind.SchemaMismatch"/> when the text is not an invoice object.</exception>
    internal static Invoice Deserialize(string modelText)
    {
        ArgumentNullException.ThrowIfNull(modelText);
        var json = StripFence(modelText);
        if (json.Length == 0)
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.SchemaMismatch, "The model returned no text; expected a JSON object describing the invoice.");
        }

        if (json[0] != '{')
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.SchemaMismatch,
                $"The model's answer is not a JSON object (it starts with '{Preview(json)}').");
        }

        Invoice? invoice;
        try
        {
            invoice = JsonSerializer.Deserialize(json, TypeInfo);
        }
        catch (JsonException ex)
        {
            var where = ex.Path is { Length: > 0 } path ? $" at {path}" : string.Empty;
            var line = ex.LineNumber is { } l ? $" (line {l + 1}, byte {ex.BytePositionInLine + 1})" : string.Empty;
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.SchemaMismatch,
                $"The model's answer does not match the invoice schema{where}{line}: {ex.Message}",
                ex);
        }

        if (invoice is null)
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.SchemaMismatch, "The model's answer is JSON null; expected an invoice object.");
        }

        // A model answer never sets the source (the schema does not ask for it), so the copy is rarely needed.
        return ReferenceEquals(invoice.Source, InvoiceSource.Model) ? invoice : invoice with { Source = InvoiceSource.Model };
    }

    /// <summary>Removes surrounding whitespace, a byte-order mark and a Markdown code fence.</summary>
    internal static string StripFence(string text)
    {
        var span = text.AsSpan().Trim().TrimStart('\uFEFF').Trim();
        if (span.StartsWith("```", StringComparison.Ordinal))
        {
            var newline = span.IndexOf('\n');
            span = newline < 0 ? [] : span[(newline + 1)..];
            span = span.TrimEnd();
            if (span.EndsWith("```", StringComparison.Ordinal))
            {
                span = span[..^3];
            }

            span = span.Trim();
        }

        // The usual answer is bare JSON: return it as it is rather than copying it.
        return span.Length == text.Length ? text : span.ToString();
    }

    private static string Preview(string text) => text.Length <= 20 ? text : text[..20] + "…";
}
