using System.Security.Cryptography;
using System.Text.Json.Nodes;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Emulator.Tests.Answers;

public sealed class NoAnswerRecorderTests
{
    private static string AnswerText(JsonObject body) => (string)body["candidates"]![0]!["content"]!["parts"]![0]!["text"]!;

    private static JsonObject WithSchema(JsonObject request)
    {
        request["generationConfig"] = new JsonObject
        {
            ["responseMimeType"] = "application/json",
            ["responseJsonSchema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["invoiceId"] = new JsonObject { ["type"] = "string" } }, ["required"] = new JsonArray("invoiceId") },
        };
        return request;
    }

    [Fact]
    public async Task GetAnswerAsync_OrdinaryPdf_RecordsItAndLeavesTheEmptyNoAnswerReply()
    {
        var pdf = SharedData.ReadInvoice("invoice2data/QualityHosting.pdf");
        NoAnswerRecorder? recorder = null;
        await using var host = await EmulatorTestHost.StartAsync(o => recorder = NoAnswerRecorder.AddTo(o));

        using var response = await host.GenerateAsync(WithSchema(EmulatorTestHost.DocumentRequest("application/pdf", pdf)));

        Assert.Equal("{\n  \"invoiceId\": null\n}", AnswerText(await EmulatorTestHost.ReadJsonAsync(response)));
        var sha = Convert.ToHexString(SHA256.HashData(pdf));
        Assert.True(recorder!.WasUnanswered(sha));
        Assert.Equal(1, recorder.UnansweredRequests);
        Assert.Single(recorder.UnansweredDocuments);
        Assert.Single(host.Emulator.Ledger.Entries); // Billed like any call Gemini answers.
    }

    [Fact]
    public async Task GetAnswerAsync_EInvoicePdf_IsAnsweredFromItsXmlAndNotRecorded()
    {
        var pdf = SharedData.ReadInvoice("zugferd/EN16931_Einfach.pdf");
        NoAnswerRecorder? recorder = null;
        await using var host = await EmulatorTestHost.StartAsync(o => recorder = NoAnswerRecorder.AddTo(o));

        using var response = await host.GenerateAsync(WithSchema(EmulatorTestHost.DocumentRequest("application/pdf", pdf)));

        Assert.Contains("471102", AnswerText(await EmulatorTestHost.ReadJsonAsync(response)), StringComparison.Ordinal);
        Assert.False(recorder!.WasUnanswered(Convert.ToHexStringLower(SHA256.HashData(pdf))));
        Assert.Equal(0, recorder.UnansweredRequests);
    }

    [Fact]
    public async Task GetAnswerAsync_CannedAnswer_IsNotRecorded()
    {
        var pdf = SharedData.ReadInvoice("invoice2data/QualityHosting.pdf");
        var sha = Convert.ToHexStringLower(SHA256.HashData(pdf));
        NoAnswerRecorder? recorder = null;
        await using var host = await EmulatorTestHost.StartAsync(o =>
        {
            o.Answers[sha] = "{\"invoiceId\":\"30064443\"}";
            recorder = NoAnswerRecorder.AddTo(o);
        });

        using var response = await host.GenerateAsync(WithSchema(EmulatorTestHost.DocumentRequest("application/pdf", pdf)));

        Assert.Equal("{\"invoiceId\":\"30064443\"}", AnswerText(await EmulatorTestHost.ReadJsonAsync(response)));
        Assert.False(recorder!.WasUnanswered(sha));
    }
}
