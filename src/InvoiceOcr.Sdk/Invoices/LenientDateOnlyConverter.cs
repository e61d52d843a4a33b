using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace InvoiceOcr.Sdk.Invoices;

/// <summary>
/// Reads a date as ISO 8601 <c>yyyy-MM-dd</c>, also accepting a full ISO 8601 date-time (models sometimes append
/// <c>T00:00:00</c>), of which only the date part is kept. Writes <c>yyyy-MM-dd</c>. Anything else is a
/// <see cref="JsonException"/>: day/month order is never guessed.
/// </summary>
internal sealed class LenientDateOnlyConverter : JsonConverter<DateOnly>
{
    /// <inheritdoc />
    public override DateOnly Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected an ISO 8601 date string (yyyy-MM-dd), found {reader.TokenType}.");
        }

        var text = reader.GetString()!.Trim();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        if (text.Length > 10 && text[10] is 'T' or ' ' &&
            DateOnly.TryParseExact(text[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date) &&
            DateTimeOffset.TryParse(text.Replace(' ', 'T'), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
        {
            return date;
        }

        throw new JsonException($"'{text}' is not an ISO 8601 date (yyyy-MM-dd).");
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateOnly value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
    }
}
