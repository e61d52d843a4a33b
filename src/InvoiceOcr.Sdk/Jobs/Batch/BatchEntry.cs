using System.Text.Json;
using System.Text.Json.Serialization;

namespace InvoiceOcr.Sdk.Jobs.Batch;

/// <summary>
/// One item of a Gemini batch as the worker records it with the batch (<see cref="InvoiceJobBatch.EntriesJson"/>): everything
/// needed to settle the item's attempt after a restart, by another worker too (its operation, journaled attempt and reservation).
/// </summary>
internal sealed record BatchEntry
{
    public required string ItemId { get; init; }

    public required string OperationId { get; init; }

    public required string AttemptId { get; init; }

    public int AttemptNumber { get; init; }

    public string? ReservationId { get; init; }

    public long ReservedTokens { get; init; }

    public string? ProjectId { get; init; }

    public long PromptTokens { get; init; }

    public int MaxOutputTokens { get; init; }

    public string? FileName { get; init; }

    public string? DocumentSha256 { get; init; }

    public static string Serialize(IReadOnlyList<BatchEntry> entries) =>
        JsonSerializer.Serialize(entries, BatchEntryJsonContext.Default.IReadOnlyListBatchEntry);

    public static IReadOnlyList<BatchEntry> Deserialize(string json) =>
        JsonSerializer.Deserialize(json, BatchEntryJsonContext.Default.IReadOnlyListBatchEntry) ?? [];
}

/// <summary>Source-generated JSON metadata for <see cref="BatchEntry"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IReadOnlyList<BatchEntry>))]
internal sealed partial class BatchEntryJsonContext : JsonSerializerContext;
