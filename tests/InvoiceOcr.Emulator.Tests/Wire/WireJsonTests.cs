using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Tests.Wire;

public sealed class WireJsonTests
{
    [Theory]
    [InlineData(260_000_000L, "26s")]
    [InlineData(15_000_000L, "1.5s")]
    [InlineData(16_812_283L, "1.6812283s")]
    [InlineData(1L, "0.0000001s")]
    [InlineData(0L, "0s")]
    public void Duration_FormatsProtobufDuration(long ticks, string expected) => Assert.Equal(expected, WireJson.Duration(TimeSpan.FromTicks(ticks)));

    [Theory]
    [InlineData("inline_data", "inlineData")]
    [InlineData("response_json_schema", "responseJsonSchema")]
    [InlineData("mimeType", "mimeType")]
    [InlineData("_private", "private")]
    public void ToCamel_ConvertsProtoNames(string name, string expected) => Assert.Equal(expected, WireJson.ToCamel(name));

    [Fact]
    public void Normalize_KeepsUserPropertyNamesAndFreeFormSchemas()
    {
        var node = JsonNode.Parse("""
        {"generation_config": {"response_schema": {"properties": {"invoice_id": {"type": "STRING"}}, "property_ordering": ["invoice_id"]},
                               "response_json_schema": {"$defs": {"line_item": {}}, "properties": {"unit_price": {}}}}}
        """);

        var normalized = WireJson.Normalize(node)!;

        Assert.Equal(
            """{"generationConfig":{"responseSchema":{"properties":{"invoice_id":{"type":"STRING"}},"propertyOrdering":["invoice_id"]},"responseJsonSchema":{"$defs":{"line_item":{}},"properties":{"unit_price":{}}}}}""",
            normalized.ToJsonString());
    }

    [Fact]
    public void Normalize_SameFieldInBothSpellings_IsRejected() =>
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => WireJson.Normalize(JsonNode.Parse("""{"inline_data": {}, "inlineData": {}}""")));

    [Fact]
    public void ToSseEvent_UsesRecordedSpacing() =>
        Assert.Equal(
            """{"candidates": [{"content": {"parts": [{"text": "a\"b"}],"role": "model"}}],"n": 1}""",
            WireJson.ToSseEvent(JsonNode.Parse("""{"candidates":[{"content":{"parts":[{"text":"a\"b"}],"role":"model"}}],"n":1}""")!));

    [Fact]
    public void Timestamp_TrimsFractionLikeTheFilesApi()
    {
        Assert.Equal("2026-03-06T00:25:40.298875Z", WireJson.Timestamp(new DateTimeOffset(2026, 3, 6, 0, 25, 40, TimeSpan.Zero).AddTicks(2_988_750)));
        Assert.Equal("2026-03-06T00:25:40Z", WireJson.Timestamp(new DateTimeOffset(2026, 3, 6, 0, 25, 40, TimeSpan.Zero)));
        Assert.Equal("2026-03-06T00:25:40.298875100Z", WireJson.Timestamp(new DateTimeOffset(2026, 3, 6, 0, 25, 40, TimeSpan.Zero).AddTicks(2_988_751))); // 9, never 7.
        Assert.Equal("2026-03-06T00:25:40.500Z", WireJson.Timestamp(new DateTimeOffset(2026, 3, 6, 0, 25, 40, TimeSpan.Zero).AddTicks(5_000_000)));
    }
}
