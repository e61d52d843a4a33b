using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Invoices;

namespace InvoiceOcr.Emulator.Answers;

/// <summary>
/// Answers a PDF that embeds an e-invoice (Factur-X / ZUGFeRD / XRechnung CII, or UBL) the way a perfect model would:
/// with the invoice those XML values imply, shaped to the schema the request asked for. The values come from the XML,
/// never from guesses, so tests of billing and parsing run on real invoices with known ground truth.
/// </summary>
public sealed class EInvoiceAnswerSource : IEmulatorAnswerSource
{
    private readonly EInvoiceReader _reader = new();

    /// <summary>Gets the shared instance (the source is stateless and thread-safe).</summary>
    public static EInvoiceAnswerSource Instance { get; } = new();

    /// <inheritdoc />
    public ValueTask<string?> GetAnswerAsync(EmulatorAnswerRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var document in request.Documents)
        {
            foreach (var attachment in document.GetAttachments())
            {
                if (TryRead(attachment) is { } invoice)
                {
                    var values = JsonNode.Parse(InvoiceJson.Serialize(invoice));
                    var schema = request.ResponseJsonSchema ?? request.ResponseSchema;
                    var answer = schema is { } s ? Conform(values, s) : values;
                    return ValueTask.FromResult<string?>(answer?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                }
            }
        }

        return ValueTask.FromResult<string?>(null);
    }

    private Invoice? TryRead(EmulatorAttachment attachment)
    {
        if (!attachment.Name.EndsWith(".xml", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            using var stream = new MemoryStream(attachment.Data.ToArray(), writable: false);
            return _reader.ReadXml(stream, attachment.Name);
        }
        catch (InvalidDocumentException)
        {
            return null; // Not an e-invoice (or not well-formed): this source has nothing honest to say.
        }
    }

    /// <summary>
    /// Keeps exactly the properties the schema asks for, in its order; what the invoice lacks is null, or left out when the
    /// property is optional and its type forbids null (as Gemini skips an optional field it has no value for).
    /// </summary>
    internal static JsonNode? Conform(JsonNode? value, JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return value?.DeepClone();
        }

        if (schema.TryGetProperty("anyOf", out var anyOf) && anyOf.ValueKind == JsonValueKind.Array)
        {
            var branch = anyOf.EnumerateArray().FirstOrDefault(b => !IsNullType(b));
            return branch.ValueKind == JsonValueKind.Object ? Conform(value, branch) : value?.DeepClone();
        }

        if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            if (value is not JsonObject source)
            {
                return null;
            }

            var result = new JsonObject();
            var required = schema.TryGetProperty("required", out var names) && names.ValueKind == JsonValueKind.Array
                ? names.EnumerateArray().Select(n => n.GetString()).ToHashSet(StringComparer.Ordinal)
                : [];
            foreach (var name in PropertyOrder(schema, properties))
            {
                var propertySchema = properties.GetProperty(name);
                var conformed = Conform(source[name], propertySchema);
                if (conformed is null && !required.Contains(name) && !IsNullable(propertySchema))
                {
                    continue;
                }

                result[name] = conformed;
            }

            return result;
        }

        if (schema.TryGetProperty("items", out var items))
        {
            return value is JsonArray array ? new JsonArray([.. array.Select(item => Conform(item, items))]) : new JsonArray();
        }

        return value?.DeepClone();
    }

    private static IEnumerable<string> PropertyOrder(JsonElement schema, JsonElement properties)
    {
        var declared = properties.EnumerateObject().Select(p => p.Name).ToList();
        if (schema.TryGetProperty("propertyOrdering", out var ordering) && ordering.ValueKind == JsonValueKind.Array)
        {
            var ordered = ordering.EnumerateArray().Select(o => o.GetString()!).Where(declared.Contains).ToList();
            return ordered.Concat(declared.Except(ordered));
        }

        return declared;
    }

    private static bool IsNullable(JsonElement schema) =>
        IsNullType(schema)
        || (schema.ValueKind == JsonValueKind.Object
            && ((schema.TryGetProperty("nullable", out var nullable) && nullable.ValueKind == JsonValueKind.True)
                || (schema.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.Array
                    && type.EnumerateArray().Any(t => string.Equals(t.GetString(), "null", StringComparison.OrdinalIgnoreCase)))
                || (schema.TryGetProperty("anyOf", out var anyOf) && anyOf.ValueKind == JsonValueKind.Array && anyOf.EnumerateArray().Any(IsNullable))));

    private static bool IsNullType(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object &&
        schema.TryGetProperty("type", out var type) &&
        type.ValueKind == JsonValueKind.String &&
        string.Equals(type.GetString(), "null", StringComparison.OrdinalIgnoreCase);
}
