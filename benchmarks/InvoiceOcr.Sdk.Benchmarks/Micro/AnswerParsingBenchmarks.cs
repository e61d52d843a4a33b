using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using InvoiceOcr.Sdk.Invoices;

namespace InvoiceOcr.Sdk.Benchmarks.Micro;

/// <summary>
/// The model's answer text to a validated <see cref="Invoice"/>, as the extractor does after every model call.
/// Baseline: one pass of <see cref="Utf8JsonReader"/> over the same text (the least any parser must do). Answers: the
/// emulator's answer for the load run's PDF (the schema's shape, every value null) and a realistic 20-line invoice.
/// </summary>
[MemoryDiagnoser]
public class AnswerParsingBenchmarks
{
    /// <summary>The answer the emulator gives for a PDF without an e-invoice: every schema property null (a required enum its "don't know" member).</summary>
    public const string SchemaShape = "emulator answer (all null)";

    /// <summary>A filled 20-line EU invoice.</summary>
    public const string Full = "EU invoice, 20 lines";

    private readonly InvoiceValidator _validator = new();
    private string _text = string.Empty;

    [Params(SchemaShape, Full)]
    public string Answer { get; set; } = SchemaShape;

    [GlobalSetup]
    public void Setup() => _text = Answer == SchemaShape ? SchemaShapedAnswer() : FullAnswer();

    [Benchmark(Baseline = true, Description = "Utf8JsonReader pass")]
    public int ReadTokens()
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(_text));
        var count = 0;
        while (reader.Read())
        {
            count++;
        }

        return count;
    }

    [Benchmark(Description = "InvoiceJson.Deserialize")]
    public string? Deserialize() => InvoiceJson.Deserialize(_text).InvoiceId;

    [Benchmark(Description = "deserialize + validate")]
    public int DeserializeAndValidate() => _validator.Validate(InvoiceJson.Deserialize(_text)).Count;

    /// <summary>Every property of the invoice schema with a null value, nested objects filled the same way, arrays empty.</summary>
    private static string SchemaShapedAnswer()
    {
        using var schema = JsonDocument.Parse(InvoiceSchema.ResponseJsonSchemaText);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            WriteShape(writer, schema.RootElement, schema.RootElement);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteShape(Utf8JsonWriter writer, JsonElement schema, JsonElement root)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var target = root;
            foreach (var part in reference.GetString()!.TrimStart('#', '/').Split('/'))
            {
                target = target.GetProperty(part);
            }

            WriteShape(writer, target, root);
            return;
        }

        if (schema.TryGetProperty("properties", out var properties))
        {
            writer.WriteStartObject();
            foreach (var property in properties.EnumerateObject())
            {
                writer.WritePropertyName(property.Name);
                var type = property.Value.TryGetProperty("type", out var t) ? t.ToString() : string.Empty;
                if (type.Contains("array", StringComparison.Ordinal))
                {
                    writer.WriteStartArray();
                    writer.WriteEndArray();
                }
                else if (!type.Contains("null", StringComparison.Ordinal) && property.Value.TryGetProperty("enum", out var members))
                {
                    // As the emulator does: a required enum gets its "don't know" member, as a model must pick one.
                    var values = members.EnumerateArray().Select(m => m.GetString()!).ToList();
                    writer.WriteStringValue(values.FirstOrDefault(v => v is "Other" or "Unknown" or "Unspecified") ?? values[0]);
                }
                else
                {
                    writer.WriteNullValue();
                }
            }

            writer.WriteEndObject();
            return;
        }

        writer.WriteNullValue();
    }

    private static string FullAnswer()
    {
        var lines = Enumerable.Range(1, 20)
            .Select(i => new InvoiceLineItem { Description = "Item " + i, Quantity = i, UnitPrice = 10m, Amount = i * 10m, TaxRate = 19m, Unit = "C62" })
            .ToList();
        var subtotal = lines.Sum(l => l.Amount!.Value);
        var tax = Math.Round(subtotal * 0.19m, 2);
        var invoice = new Invoice
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
        return InvoiceJson.Serialize(invoice, indented: true);
    }
}
