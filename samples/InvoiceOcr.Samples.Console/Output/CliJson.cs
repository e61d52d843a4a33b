using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace InvoiceOcr.Samples.ConsoleApp.Output;

/// <summary>
/// JSON settings for everything the app writes: camelCase, enums as names, nulls omitted — the same shape as the SDK's
/// invoice JSON, so an extracted invoice written here can be read back by the accuracy scorer.
/// </summary>
internal static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);
}
