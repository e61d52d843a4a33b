using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;

namespace InvoiceOcr.Sdk.Invoices;

/// <summary>
/// The response schema sent to Gemini as <c>generationConfig.responseJsonSchema</c>. It is generated from the
/// <see cref="Invoice"/> model with <see cref="JsonSchemaExporter"/> and reduced to the JSON-Schema subset Gemini accepts,
/// so the schema and the model can never drift apart.
/// </summary>
internal static class InvoiceSchema
{
    /// <summary>The keywords Gemini's <c>responseJsonSchema</c> accepts that this schema uses.</summary>
    internal static readonly IReadOnlySet<string> SupportedKeywords = new HashSet<string>(StringComparer.Ordinal)
    {
        "type", "format", "description", "enum", "items", "properties", "required", "propertyOrdering", "anyOf",
    };

    // Canonical key order so the serialised schema is stable byte for byte.
    private static readonly string[] KeywordOrder = ["type", "format", "description", "enum", "anyOf", "properties", "propertyOrdering", "required", "items"];

    private static readonly JsonObject Schema = Build();

    private static readonly string SchemaText = Schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>Gets a fresh copy of the schema; callers may change it freely.</summary>
    internal static JsonObject ResponseJsonSchema => (JsonObject)Schema.DeepClone();

    /// <summary>
    /// Gets one copy of the schema shared by every request, so an extraction does not deep-clone the whole schema (hundreds
    /// of nodes) per call. Requests only serialize it, and concurrent reads of a fully built <see cref="JsonObject"/> are
    /// safe; never change it (use <see cref="ResponseJsonSchema"/> for a copy that may change).
    /// </summary>
    internal static JsonObject SharedResponseJsonSchema { get; } = BuildShared();

    /// <summary>Gets the schema as indented JSON text.</summary>
    internal static string ResponseJsonSchemaText => SchemaText;

    private static JsonObject BuildShared()
    {
        var shared = (JsonObject)Schema.DeepClone();

        // Writing it once materializes every node, so later concurrent writers find nothing left to initialize lazily.
        _ = shared.ToJsonString();
        return shared;
    }

    private static JsonObject Build()
    {
        var exporterOptions = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = Transform,
        };

        var node = InvoiceJsonContext.Default.Invoice.GetJsonSchemaAsNode(exporterOptions);

        // The exporter writes a type used twice (an address, a party) once and points to it with "$ref";
        // inline every reference so each property carries its full schema.
        var schema = (JsonObject)Canonicalize(Inline(node, node, depth: 0));
        DescribeSharedTypesOnce(schema, new HashSet<string>(StringComparer.Ordinal));
        LeaveOptionalFieldsOut(schema);
        return schema;
    }

    /// <summary>
    /// Drops <c>null</c> from the types of optional (not <c>required</c>) properties, so the model leaves out a field the
    /// document does not have instead of writing it with a null: Gemini skips optional fields it has no value for, and on a
    /// typical invoice most of the schema's fields are absent, so writing each as <c>"field": null</c> was a third of the
    /// answer's output tokens (the dearest kind). The reader treats a missing field as null, so the result is the same.
    /// Required properties keep <c>null</c>: the model must write them and says "not on the document" with a null.
    /// </summary>
    private static void LeaveOptionalFieldsOut(JsonNode? node)
    {
        if (node is not JsonObject schema)
        {
            return;
        }

        if (schema["properties"] is JsonObject properties)
        {
            var required = schema["required"] is JsonArray names
                ? names.Select(static n => n?.GetValue<string>()).OfType<string>().ToHashSet(StringComparer.Ordinal)
                : [];
            foreach (var (name, property) in properties)
            {
                if (!required.Contains(name) && property is JsonObject child && child["type"] is JsonArray types)
                {
                    var kept = types.Where(static t => t?.GetValue<string>() != "null").Select(static t => t!.GetValue<string>()).ToList();
                    child["type"] = kept.Count == 1 ? JsonValue.Create(kept[0]) : new JsonArray([.. kept.Select(static t => (JsonNode?)JsonValue.Create(t))]);
                }

                LeaveOptionalFieldsOut(property);
            }
        }

        LeaveOptionalFieldsOut(schema["items"]);
    }

    /// <summary>
    /// Keeps the descriptions of a shared type's own properties (an address's street, a party's VAT id, …) at the type's
    /// first use only, in document order: inlining repeats the type for every field that uses it (six addresses, two
    /// parties), and the model reads the schema as one text, so a repeat costs tokens on every call and says nothing new.
    /// Every property is still in the schema, and each field still carries its own description (what the address is for).
    /// </summary>
    private static void DescribeSharedTypesOnce(JsonNode? node, HashSet<string> seen)
    {
        if (node is not JsonObject schema)
        {
            return;
        }

        if (schema["properties"] is JsonObject properties)
        {
            var shape = string.Join(',', properties.Select(static p => p.Key));
            var repeat = !seen.Add(shape);
            foreach (var (_, property) in properties)
            {
                if (repeat && property is JsonObject child)
                {
                    child.Remove("description");
                }

                DescribeSharedTypesOnce(property, seen);
            }
        }

        DescribeSharedTypesOnce(schema["items"], seen);
    }

    private static JsonObject Transform(JsonSchemaExporterContext context, JsonNode node)
    {
        // Dates use a lenient custom converter, which the exporter cannot describe: state the wire format here.
        if (context.TypeInfo.Type == typeof(DateOnly) || context.TypeInfo.Type == typeof(DateOnly?))
        {
            node = new JsonObject
            {
                ["type"] = context.TypeInfo.Type == typeof(DateOnly) ? "string" : new JsonArray("string", "null"),
                ["format"] = "date",
            };
        }

        if (node is not JsonObject schema)
        {
            // A 'true' schema (any value) cannot occur in this closed type tree; ask for a string rather than anything.
            schema = new JsonObject { ["type"] = "string" };
        }

        // Amounts are read as numbers or numeric strings, but the model is asked for numbers.
        if (schema["type"] is JsonArray types && types.Any(t => t?.GetValue<string>() is "number" or "integer"))
        {
            var kept = new JsonArray();
            foreach (var t in types)
            {
                if (t?.GetValue<string>() is { } name && name != "string")
                {
                    kept.Add(name);
                }
            }

            schema["type"] = kept.Count == 1 ? kept[0]!.DeepClone() : kept;
            schema.Remove("pattern");
        }

        var description = context.PropertyInfo is { } propertyInfo
            ? propertyInfo.AttributeProvider?.GetCustomAttributes(typeof(DescriptionAttribute), inherit: false).OfType<DescriptionAttribute>().FirstOrDefault()?.Description
            : context.TypeInfo.Type.GetCustomAttribute<DescriptionAttribute>(inherit: false)?.Description;
        if (description is not null)
        {
            schema["description"] = description;
        }

        if (schema.ContainsKey("enum") && !schema.ContainsKey("type"))
        {
            schema["type"] = "string";
        }

        if (context.TypeInfo.Kind == JsonTypeInfoKind.Object && schema["properties"] is JsonObject properties)
        {
            var required = new JsonArray();
            var ordering = new JsonArray();
            foreach (var property in context.TypeInfo.Properties)
            {
                var provider = property.AttributeProvider;
                if (provider?.IsDefined(typeof(ExcludedFromModelSchemaAttribute), inherit: false) == true)
                {
                    properties.Remove(property.Name);
                    continue;
                }

                ordering.Add(property.Name);
                if (provider?.IsDefined(typeof(ExtractionRequiredAttribute), inherit: false) == true)
                {
                    required.Add(property.Name);
                }
            }

            schema["propertyOrdering"] = ordering;
            schema.Remove("required");
            if (required.Count > 0)
            {
                schema["required"] = required;
            }
        }

        return schema;
    }

    /// <summary>Replaces every local <c>$ref</c> (a JSON pointer into the document) with a copy of its target.</summary>
    private static JsonNode Inline(JsonNode node, JsonNode root, int depth)
    {
        if (depth > 64)
        {
            throw new InvalidOperationException("The invoice model is recursive; the response schema cannot be inlined.");
        }

        switch (node)
        {
            case JsonObject obj when obj["$ref"]?.GetValue<string>() is { } pointer:
                var target = Resolve(root, pointer);
                var inlined = (JsonObject)Inline(target, root, depth + 1);
                foreach (var (key, value) in obj)
                {
                    if (key != "$ref" && value is not null)
                    {
                        inlined[key] = value.DeepClone();
                    }
                }

                return inlined;
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    copy[key] = value is null ? null : Inline(value, root, depth + 1);
                }

                return copy;
            case JsonArray array:
                return new JsonArray(array.Select(v => v is null ? null : Inline(v, root, depth + 1)).ToArray());
            default:
                return node.DeepClone();
        }
    }

    private static JsonNode Resolve(JsonNode root, string pointer)
    {
        if (pointer == "#")
        {
            return root;
        }

        if (!pointer.StartsWith("#/", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The schema exporter produced a non-local reference '{pointer}'.");
        }

        var current = root;
        foreach (var raw in pointer[2..].Split('/'))
        {
            var segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            current = current switch
            {
                JsonObject obj => obj[segment],
                JsonArray array when int.TryParse(segment, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) => array[i],
                _ => null,
            } ?? throw new InvalidOperationException($"The schema reference '{pointer}' points nowhere.");
        }

        return current;
    }

    /// <summary>Drops every keyword Gemini does not accept and writes the rest in a fixed order.</summary>
    private static JsonNode Canonicalize(JsonNode node)
    {
        if (node is not JsonObject source)
        {
            return node.DeepClone();
        }

        var result = new JsonObject();
        foreach (var keyword in KeywordOrder)
        {
            if (!source.TryGetPropertyValue(keyword, out var value) || value is null)
            {
                continue;
            }

            result[keyword] = keyword switch
            {
                "properties" => CanonicalizeProperties((JsonObject)value),
                "items" => Canonicalize(value),
                "anyOf" => new JsonArray(((JsonArray)value).Select(v => (JsonNode?)Canonicalize(v!)).ToArray()),
                _ => value.DeepClone(),
            };
        }

        return result;
    }

    private static JsonObject CanonicalizeProperties(JsonObject properties)
    {
        var result = new JsonObject();
        foreach (var (name, value) in properties)
        {
            result[name] = value is null ? new JsonObject() : Canonicalize(value);
        }

        return result;
    }
}
