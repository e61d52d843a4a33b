using System.Text.Json.Nodes;

namespace InvoiceOcr.Emulator.Answers;

/// <summary>
/// Builds the honest default answer for a response schema: the shape the schema asks for with nothing invented —
/// objects with their declared properties (in <c>propertyOrdering</c> order, else declaration order), arrays empty, and
/// scalars <see langword="null"/>. Two rules keep the answer schema-valid, as Gemini's constrained decoding does: an optional
/// (not <c>required</c>) property that does not allow null is left out, as Gemini documents for optional fields ("the model can
/// populate the fields or skip them") rather than written as a null its type forbids; and a required, non-nullable enum gets
/// its "don't know" member (<c>Other</c>, <c>Unknown</c>, <c>Unspecified</c>) when it has one, else its first member, as a model must pick one.
/// A required property whose type forbids null is still answered null: nothing was read to fill it.
/// </summary>
internal static class SchemaAnswerBuilder
{
    private const int MaxDepth = 32;

    public static JsonNode? Build(JsonNode? schema) => Build(schema, schema as JsonObject, 0);

    private static JsonNode? Build(JsonNode? schema, JsonObject? root, int depth)
    {
        if (schema is not JsonObject obj || depth > MaxDepth)
        {
            return null;
        }

        if (obj["$ref"] is JsonValue refValue && refValue.TryGetValue<string>(out var reference))
        {
            return Build(Resolve(root, reference), root, depth + 1);
        }

        if ((obj["anyOf"] ?? obj["oneOf"]) is JsonArray anyOf)
        {
            // null when any branch allows null; otherwise the first branch's shape.
            if (anyOf.Any(b => TypeOf(b as JsonObject) == "null"))
            {
                return null;
            }

            return anyOf.Count > 0 ? Build(anyOf[0], root, depth + 1) : null;
        }

        return TypeOf(obj) switch
        {
            "object" => BuildObject(obj, root, depth),
            "array" => new JsonArray(),
            _ => null,
        };
    }

    private static JsonNode? DontKnowMember(JsonArray members)
    {
        string[] dontKnow = ["Other", "Unknown", "Unspecified", "OTHER", "UNKNOWN", "UNSPECIFIED"];
        var chosen = members.FirstOrDefault(m => m is JsonValue v && v.TryGetValue<string>(out var text) && dontKnow.Contains(text)) ?? members[0];
        return chosen?.DeepClone();
    }

    private static JsonObject BuildObject(JsonObject schema, JsonObject? root, int depth)
    {
        var result = new JsonObject();
        if (schema["properties"] is not JsonObject properties)
        {
            return result;
        }

        var order = new List<string>();
        if (schema["propertyOrdering"] is JsonArray ordering)
        {
            order.AddRange(ordering.Select(n => n?.GetValue<string>()).OfType<string>().Where(properties.ContainsKey));
        }

        order.AddRange(properties.Select(p => p.Key).Where(k => !order.Contains(k)));
        var required = schema["required"] is JsonArray names ? names.Select(n => n?.GetValue<string>()).ToHashSet() : [];
        foreach (var name in order)
        {
            var property = properties[name];
            if (required.Contains(name) && property is JsonObject { } enumSchema && enumSchema["enum"] is JsonArray { Count: > 0 } members && !IsNullable(enumSchema))
            {
                result[name] = DontKnowMember(members);
                continue;
            }

            // A nullable object is answered null: nothing was read to fill it.
            var value = IsNullable(property as JsonObject) && TypeOf(property as JsonObject) == "object" ? null : Build(property, root, depth + 1);
            if (value is null && !required.Contains(name) && !IsNullable(property as JsonObject))
            {
                continue; // optional and not nullable: skipped, not written as a null the schema forbids
            }

            result[name] = value;
        }

        return result;
    }

    internal static bool IsNullable(JsonObject? schema) =>
        schema is not null
        && ((schema["nullable"] is JsonValue n && n.TryGetValue<bool>(out var nullable) && nullable)
            || (schema["type"] is JsonArray types && types.Any(t => string.Equals(t?.GetValue<string>(), "null", StringComparison.OrdinalIgnoreCase)))
            || (schema["type"] is JsonValue single && single.TryGetValue<string>(out var only) && string.Equals(only, "null", StringComparison.OrdinalIgnoreCase))
            || ((schema["anyOf"] ?? schema["oneOf"]) is JsonArray branches && branches.Any(b => IsNullable(b as JsonObject))));

    /// <summary>The schema's type in lower case (OpenAPI "OBJECT" and JSON Schema "object" alike); the first non-null of a type list.</summary>
    private static string? TypeOf(JsonObject? schema)
    {
        switch (schema?["type"])
        {
            case JsonValue value when value.TryGetValue<string>(out var type):
                return type.ToLowerInvariant();
            case JsonArray types:
                var names = types.Select(t => t?.GetValue<string>()?.ToLowerInvariant()).OfType<string>().ToList();
                return names.FirstOrDefault(t => t != "null") ?? (names.Count > 0 ? "null" : null);
            default:
                return schema?["properties"] is JsonObject ? "object" : schema?["items"] is not null ? "array" : null;
        }
    }

    private static JsonNode? Resolve(JsonObject? root, string reference)
    {
        if (root is null || !reference.StartsWith("#/", StringComparison.Ordinal))
        {
            return null;
        }

        JsonNode? node = root;
        foreach (var segment in reference[2..].Split('/'))
        {
            node = node is JsonObject obj ? obj[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)] : null;
        }

        return node;
    }
}
