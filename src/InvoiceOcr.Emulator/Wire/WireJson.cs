using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace InvoiceOcr.Emulator.Wire;

/// <summary>Proto3-JSON helpers: accept snake_case or camelCase input, emit camelCase in the real service's layouts.</summary>
internal static class WireJson
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions Compact = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Object members whose keys are user names (schema property maps), not proto field names.</summary>
    private static readonly HashSet<string> UserKeyedMaps = new(StringComparer.Ordinal) { "properties", "$defs", "defs", "definitions" };

    /// <summary>Members whose whole subtree is free-form data and must be kept verbatim.</summary>
    private static readonly HashSet<string> Verbatim = new(StringComparer.Ordinal) { "responseJsonSchema", "args", "response", "enum", "default", "example" };

    /// <summary>Returns a copy of <paramref name="node"/> with proto snake_case field names turned into lowerCamelCase.</summary>
    public static JsonNode? Normalize(JsonNode? node, bool keysAreUserNames = false)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (name, value) in obj)
                {
                    var key = keysAreUserNames ? name : ToCamel(name);
                    if (copy.ContainsKey(key))
                    {
                        throw new JsonException($"Duplicate field \"{key}\".");
                    }

                    JsonNode? child;
                    if (keysAreUserNames)
                    {
                        child = Normalize(value);
                    }
                    else if (Verbatim.Contains(key))
                    {
                        child = value?.DeepClone();
                    }
                    else
                    {
                        child = Normalize(value, UserKeyedMaps.Contains(key));
                    }

                    copy[key] = child;
                }

                return copy;
            case JsonArray array:
                var items = new JsonArray();
                foreach (var item in array)
                {
                    items.Add(Normalize(item));
                }

                return items;
            default:
                return node?.DeepClone();
        }
    }

    public static string ToCamel(string name)
    {
        if (!name.Contains('_', StringComparison.Ordinal))
        {
            return name;
        }

        var builder = new StringBuilder(name.Length);
        var upper = false;
        foreach (var c in name)
        {
            if (c == '_')
            {
                upper = builder.Length > 0;
                continue;
            }

            builder.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return builder.ToString();
    }

    /// <summary>Serializes like the real unary responses: two-space indentation.</summary>
    public static string ToIndented(JsonNode node) => node.ToJsonString(Indented);

    /// <summary>Serializes compactly (no whitespace), as 3.x models format answer text.</summary>
    public static string ToCompact(JsonNode node) => node.ToJsonString(Compact);

    /// <summary>
    /// Serializes like the recorded SSE events: <c>"key": value</c> with a space after each colon and none after commas,
    /// for example <c>{"candidates": [{"content": {"parts": [{"text": "The"}],"role": "model"}}]}</c>.
    /// </summary>
    public static string ToSseEvent(JsonNode node)
    {
        var builder = new StringBuilder();
        WriteSse(builder, node);
        return builder.ToString();
    }

    private static void WriteSse(StringBuilder builder, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                builder.Append('{');
                var first = true;
                foreach (var (name, value) in obj)
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }

                    first = false;
                    builder.Append(JsonValue.Create(name).ToJsonString(Compact)).Append(": ");
                    WriteSse(builder, value);
                }

                builder.Append('}');
                break;
            case JsonArray array:
                builder.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(',');
                    }

                    WriteSse(builder, array[i]);
                }

                builder.Append(']');
                break;
            case null:
                builder.Append("null");
                break;
            default:
                builder.Append(node.ToJsonString(Compact));
                break;
        }
    }

    /// <summary>Formats a protobuf Duration: whole seconds as <c>"26s"</c>, otherwise up to nine fractional digits (<c>"1.5s"</c>).</summary>
    public static string Duration(TimeSpan value)
    {
        var ticks = Math.Max(0, value.Ticks);
        var seconds = ticks / TimeSpan.TicksPerSecond;
        var fraction = ticks % TimeSpan.TicksPerSecond;
        if (fraction == 0)
        {
            return seconds.ToString(CultureInfo.InvariantCulture) + "s";
        }

        var digits = (fraction * 100).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        return seconds.ToString(CultureInfo.InvariantCulture) + "." + digits + "s";
    }

    /// <summary>
    /// Formats an RFC 3339 UTC timestamp as protobuf JSON does (and the recorded File resources show): no fraction, or
    /// 3, 6 or 9 fractional digits — never the 7 of .NET's round-trip format.
    /// </summary>
    public static string Timestamp(DateTimeOffset value)
    {
        var utc = value.UtcDateTime;
        var text = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var nanos = utc.Ticks % TimeSpan.TicksPerSecond * 100;
        if (nanos != 0)
        {
            var digits = nanos.ToString("D9", CultureInfo.InvariantCulture);
            text += "." + (digits.EndsWith("000000", StringComparison.Ordinal) ? digits[..3] : digits.EndsWith("000", StringComparison.Ordinal) ? digits[..6] : digits);
        }

        return text + "Z";
    }
}
