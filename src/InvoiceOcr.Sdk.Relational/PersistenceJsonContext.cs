using System.Text.Json.Serialization;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>Source-generated serialization of the records the durable outbox keeps.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(UsageRecord))]
[JsonSerializable(typeof(RetryAttemptRecord))]
[JsonSerializable(typeof(AttemptJournalEntry))]
[JsonSerializable(typeof(AttemptEnding))]
internal sealed partial class PersistenceJsonContext : JsonSerializerContext;
