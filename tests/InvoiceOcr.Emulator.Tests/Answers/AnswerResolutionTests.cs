using System.Security.Cryptography;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Answers;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Emulator.Tests.Answers;

public sealed class AnswerResolutionTests
{
    private const string Invoice = "invoice2data/QualityHosting.pdf";

    private static string AnswerText(JsonObject body) => (string)body["candidates"]![0]!["content"]!["parts"]![0]!["text"]!;

    [Fact]
    public async Task ShaAnswer_WinsOverAnswerSources()
    {
        var pdf = SharedData.ReadInvoice(Invoice);
        var sha = Convert.ToHexString(SHA256.HashData(pdf)); // Upper case: keys match case-insensitively.
        var source = new RecordingSource("{\"from\":\"source\"}");
        await using var host = await EmulatorTestHost.StartAsync(o =>
        {
            o.Answers[sha] = "{\n  \"invoiceNumber\": \"30064443\"\n}";
            o.AnswerSources.Add(source);
        });

        using var response = await host.GenerateAsync(EmulatorTestHost.DocumentRequest("application/pdf", pdf));

        Assert.Equal("{\n  \"invoiceNumber\": \"30064443\"\n}", AnswerText(await EmulatorTestHost.ReadJsonAsync(response)));
        Assert.Empty(source.Seen);
    }

    [Fact]
    public async Task AnswerSource_SeesDocumentsPromptAndSchema()
    {
        var pdf = SharedData.ReadInvoice(Invoice);
        var declining = new RecordingSource(null);
        var answering = new RecordingSource("{\"total\":34.73}");
        await using var host = await EmulatorTestHost.StartAsync(o =>
        {
            o.AnswerSources.Add(declining);
            o.AnswerSources.Add(answering);
        });
        var request = EmulatorTestHost.DocumentRequest("application/pdf", pdf);
        request["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray { new JsonObject { ["text"] = "You extract invoices." } } };
        request["generationConfig"] = new JsonObject { ["responseMimeType"] = "application/json", ["responseJsonSchema"] = new JsonObject { ["type"] = "object" } };

        using var response = await host.GenerateAsync(request);

        Assert.Equal("{\"total\":34.73}", AnswerText(await EmulatorTestHost.ReadJsonAsync(response)));
        var seen = Assert.Single(declining.Seen);
        Assert.Same(seen, Assert.Single(answering.Seen));
        var document = Assert.Single(seen.Documents);
        Assert.Equal("application/pdf", document.MimeType);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(pdf)), document.Sha256);
        Assert.Equal(pdf.Length, document.Data.Length);
        Assert.Equal("Extract the invoice.", seen.PromptText);
        Assert.Equal("You extract invoices.", seen.SystemInstruction);
        Assert.Equal("object", seen.ResponseJsonSchema!.Value.GetProperty("type").GetString());
        Assert.Null(seen.ResponseSchema);
    }

    [Fact]
    public async Task SnakeCaseRequest_IsAcceptedAndSchemaPropertyNamesAreKept()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        var body = """
        {
          "system_instruction": {"parts": [{"text": "Extract."}]},
          "contents": [{"role": "user", "parts": [{"inline_data": {"mime_type": "application/pdf", "data": "DATA"}}]}],
          "generation_config": {
            "response_mime_type": "application/json",
            "response_schema": {
              "type": "OBJECT",
              "properties": {"invoice_number": {"type": "STRING", "nullable": true}, "line_items": {"type": "ARRAY", "items": {"type": "OBJECT"}}},
              "property_ordering": ["line_items", "invoice_number"]
            }
          }
        }
        """.Replace("DATA", Convert.ToBase64String(SharedData.ReadInvoice(Invoice)), StringComparison.Ordinal);

        using var response = await host.PostRawAsync("v1beta/models/gemini-2.5-flash:generateContent", body);

        var json = await EmulatorTestHost.ReadJsonAsync(response);
        Assert.Equal("{\n  \"line_items\": [],\n  \"invoice_number\": null\n}", AnswerText(json));
        Assert.Equal(516, (int)json["usageMetadata"]!["promptTokensDetails"]![1]!["tokenCount"]!);
    }

    [Fact]
    public async Task Gemini3_FormatsJsonAnswerCompactly()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        var request = EmulatorTestHost.TextRequest();
        request["generationConfig"] = new JsonObject
        {
            ["responseMimeType"] = "application/json",
            ["responseJsonSchema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["a"] = new JsonObject { ["type"] = "string" } } },
        };

        using var response = await host.GenerateAsync(request, model: "gemini-3-flash-preview");

        Assert.Equal("{}", AnswerText(await EmulatorTestHost.ReadJsonAsync(response))); // "a" is optional and not nullable: skipped
    }

    [Fact]
    public void SchemaAnswerBuilder_InventsNothing()
    {
        var schema = JsonNode.Parse("""
        {
          "type": "object",
          "$defs": { "party": { "type": "object", "properties": { "name": { "type": "string" }, "vatId": { "type": ["string", "null"] } } } },
          "properties": {
            "total": { "type": "number" },
            "paid": { "type": "boolean" },
            "currency": { "type": "string", "enum": ["EUR", "USD"] },
            "seller": { "$ref": "#/$defs/party" },
            "buyer": { "anyOf": [ { "$ref": "#/$defs/party" }, { "type": "null" } ] },
            "lines": { "type": "array", "items": { "type": "object" } },
            "notes": { "type": "OBJECT", "nullable": true, "properties": { "x": { "type": "STRING" } } }
          }
        }
        """);

        var answer = SchemaAnswerBuilder.Build(schema);

        Assert.Equal(
            """{"seller":{"vatId":null},"buyer":null,"lines":[],"notes":null}""",
            answer!.ToJsonString());
    }

    [Fact]
    public void SchemaAnswerBuilder_OptionalNotNullable_SkipsTheFieldRequiredOrNullable_WritesNull()
    {
        // Gemini documents optional fields as ones "the model can populate or skip": with no value it skips them rather
        // than write a null the schema's type forbids. Required fields and nullable ones are written.
        var schema = JsonNode.Parse("""
        {
          "type": "object",
          "properties": {
            "id": { "type": ["string", "null"] },
            "due": { "type": "string", "format": "date" },
            "note": { "type": ["string", "null"] },
            "vendor": { "type": "object", "properties": { "name": { "type": "string" }, "city": { "type": "string" } }, "required": ["name"] }
          },
          "required": ["id"]
        }
        """);

        var answer = SchemaAnswerBuilder.Build(schema);

        Assert.Equal("""{"id":null,"note":null,"vendor":{"name":null}}""", answer!.ToJsonString());
    }

    [Fact]
    public void SchemaAnswerBuilder_RequiredEnum_AnswersItsDontKnowMemberToStaySchemaValid()
    {
        var schema = JsonNode.Parse("""
        {
          "type": "object",
          "properties": {
            "kind": { "type": "string", "enum": ["Invoice", "Receipt", "Other"] },
            "first": { "type": "string", "enum": ["A", "B"] },
            "optional": { "type": "string", "enum": ["X", "Other"] }
          },
          "required": ["kind", "first"]
        }
        """);

        var answer = SchemaAnswerBuilder.Build(schema);

        Assert.Equal("""{"kind":"Other","first":"A"}""", answer!.ToJsonString());
    }

    private sealed class RecordingSource(string? answer) : IEmulatorAnswerSource
    {
        public List<EmulatorAnswerRequest> Seen { get; } = [];

        public ValueTask<string?> GetAnswerAsync(EmulatorAnswerRequest request, CancellationToken cancellationToken)
        {
            lock (Seen)
            {
                Seen.Add(request);
            }

            return ValueTask.FromResult(answer);
        }
    }
}

public sealed class EmulatorDocumentTests
{
    [Theory]
    [InlineData("EN16931_Einfach", "factur-x.xml")]
    [InlineData("XRECHNUNG_Einfach", "xrechnung.xml")]
    public void GetAttachments_HybridInvoice_ReturnsEmbeddedXmlByteForByte(string invoice, string attachment)
    {
        var pdf = SharedData.ReadInvoice($"zugferd/{invoice}.pdf");
        var document = new EmulatorDocument("application/pdf", pdf, Convert.ToHexStringLower(SHA256.HashData(pdf)));

        var found = Assert.Single(document.GetAttachments(), a => a.Name == attachment);

        Assert.Equal(SharedData.ReadInvoice($"zugferd/embedded/{invoice}/{attachment}"), found.Data.ToArray());
        Assert.Same(document.GetAttachments(), document.GetAttachments());
    }

    [Theory]
    [InlineData("invoice2data/QualityHosting.pdf", "application/pdf")]
    [InlineData("edge/corrupt-factur-x-waytoosmall.pdf", "application/pdf")]
    [InlineData("sroie/img/000.jpg", "image/jpeg")]
    public void GetAttachments_NoAttachments_ReturnsEmpty(string file, string mime)
    {
        var data = SharedData.ReadInvoice(file);

        Assert.Empty(new EmulatorDocument(mime, data, "unused").GetAttachments());
    }
}
