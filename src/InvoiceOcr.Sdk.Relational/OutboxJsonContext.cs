using System.Text.Json.Serialization;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>One outbox line: format version, SHA-256 of the payload, and the payload (the record's JSON).</summary>
/// <param name="V">The line format version (1).</param>
/// <param name="Sum">The lower-case hex SHA-256 of <paramref name="Payload"/>.</param>
/// <param name="Payload">The record serialized as JSON.</param>
internal sealed record OutboxLine(
    [property: JsonPropertyName("v")] int V,
    [property: JsonPropertyName("sum")] string Sum,
    [property: JsonPropertyName("payload")] string Payload);

/// <summary>Source-generated serialization of <see cref="OutboxLine"/>.</summary>
[JsonSerializable(typeof(OutboxLine))]
internal sealed partial class OutboxJsonContext : JsonSerializerContext;
