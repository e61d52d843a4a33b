using System.Text.Json.Serialization;

namespace InvoiceOcr.Sdk.Invoices;

/// <summary>
/// Source-generated System.Text.Json metadata for <see cref="Invoice"/>: camelCase names, enums as strings,
/// nulls omitted on write, numbers accepted as numbers or numeric strings on read.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    AllowTrailingCommas = true,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    PropertyNameCaseInsensitive = true,
    Converters = [typeof(LenientDateOnlyConverter)])]
[JsonSerializable(typeof(Invoice))]
internal sealed partial class InvoiceJsonContext : JsonSerializerContext;
