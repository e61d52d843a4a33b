using System.Net;
using System.Text.Json.Nodes;

namespace InvoiceOcr.Emulator.Tests.Hosting;

public sealed class RequestHandlingTests : IAsyncLifetime
{
    private EmulatorTestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorTestHost.StartAsync(o => o.Models.Add(new EmulatorModelOptions { Id = "gemini-2.5-flash", InputTokenLimit = 10 }));

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private async Task<JsonObject> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string rpcStatus)
    {
        Assert.Equal(status, response.StatusCode);
        var error = (JsonObject)(await EmulatorTestHost.ReadJsonAsync(response))["error"]!;
        Assert.Equal(rpcStatus, (string?)error["status"]);
        Assert.Equal((int)status, (int)error["code"]!);
        return error;
    }

    [Fact]
    public async Task RevokedKey_GetsReportedAsLeaked403()
    {
        using var response = await _host.GenerateAsync(EmulatorTestHost.TextRequest("hi"), key: EmulatorTestHost.RevokedKey);

        var error = await ErrorAsync(response, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
        Assert.Equal("Your API key was reported as leaked. Please use another API key.", (string?)error["message"]);
    }

    [Fact]
    public async Task KeyInQueryString_IsAccepted()
    {
        using var response = await _host.PostAsync($"v1beta/models/gemini-2.5-flash:generateContent?key={EmulatorTestHost.KeyA1}", EmulatorTestHost.TextRequest("hi"), key: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"contents\": [", "Invalid JSON payload received.")]
    [InlineData("[]", "Invalid JSON payload received.")]
    [InlineData("{}", "* GenerateContentRequest.contents: contents is not specified\n")]
    [InlineData("{\"contents\": []}", "* GenerateContentRequest.contents: contents is not specified\n")]
    [InlineData("{\"contents\": [{\"parts\": []}]}", "* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.\n")]
    [InlineData("{\"contents\": [{\"parts\": [{\"inlineData\": {\"mimeType\": \"application/pdf\", \"data\": \"not base64!\"}}]}]}", "Base64 decoding failed")]
    [InlineData("{\"contents\": [{\"parts\": [{\"inlineData\": {\"mimeType\": \"application/zip\", \"data\": \"AAAA\"}}]}]}", "Unsupported MIME type: application/zip")]
    [InlineData("{\"contents\": [{\"parts\": [{\"inlineData\": {\"mimeType\": \"image/png\", \"data\": \"AAAA\"}}]}]}", "Unable to process input image.")]
    [InlineData("{\"contents\": [{\"parts\": [{\"text\": \"hi\"}]}], \"generationConfig\": {\"responseSchema\": {\"type\": \"OBJECT\"}}}", "response_mime_type")]
    [InlineData("{\"contents\": [{\"parts\": [{\"inlineData\": {\"mimeType\": 5, \"data\": \"AAAA\"}}]}]}", "Invalid JSON payload received.")]
    [InlineData("{\"contents\": [{\"parts\": [{\"text\": \"hi\"}]}], \"generationConfig\": {\"responseMimeType\": [\"x\"]}}", "Invalid JSON payload received.")]
    public async Task InvalidRequest_Gets400InvalidArgument(string body, string messagePart)
    {
        using var response = await _host.PostRawAsync("v1beta/models/gemini-2.5-flash:generateContent", body);

        var error = await ErrorAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT");
        Assert.Contains(messagePart, (string?)error["message"], StringComparison.Ordinal);
        Assert.Equal(0, _host.Ledger.Count);
    }

    [Fact]
    public async Task PromptOverModelInputLimit_Gets400WithCounts()
    {
        using var response = await _host.GenerateAsync(EmulatorTestHost.TextRequest(string.Join(' ', Enumerable.Repeat("x", 11))));

        var error = await ErrorAsync(response, HttpStatusCode.BadRequest, "INVALID_ARGUMENT");
        Assert.Equal("The input token count (11) exceeds the maximum number of tokens allowed (10).", (string?)error["message"]);
    }

    [Fact]
    public async Task Models_ListAndGetServeConfiguredModels()
    {
        using var list = await _host.SendAsync(HttpMethod.Get, "v1beta/models");
        var models = (await EmulatorTestHost.ReadJsonAsync(list))["models"]!.AsArray();
        var model = Assert.Single(models)!;
        Assert.Equal("models/gemini-2.5-flash", (string?)model["name"]);
        Assert.Equal(10, (int)model["inputTokenLimit"]!);

        using var get = await _host.SendAsync(HttpMethod.Get, "v1beta/models/gemini-2.5-flash");
        Assert.Equal("models/gemini-2.5-flash", (string?)(await EmulatorTestHost.ReadJsonAsync(get))["name"]);

        using var missing = await _host.SendAsync(HttpMethod.Get, "v1beta/models/gemini-2.0-flash");
        await ErrorAsync(missing, HttpStatusCode.NotFound, "NOT_FOUND");

        using var anonymous = await _host.SendAsync(HttpMethod.Get, "v1beta/models", key: null);
        await ErrorAsync(anonymous, HttpStatusCode.Forbidden, "PERMISSION_DENIED");
    }

    [Fact]
    public async Task CountTokens_IsNotBilledAndRejectsBothForms()
    {
        using var ok = await _host.PostAsync("v1beta/models/gemini-2.5-flash:countTokens", EmulatorTestHost.TextRequest("abc defgh"));
        Assert.Equal(2, (int)(await EmulatorTestHost.ReadJsonAsync(ok))["totalTokens"]!);

        var both = EmulatorTestHost.TextRequest("abcd");
        both["generateContentRequest"] = EmulatorTestHost.TextRequest("abcd");
        using var bad = await _host.PostAsync("v1beta/models/gemini-2.5-flash:countTokens", both);
        await ErrorAsync(bad, HttpStatusCode.BadRequest, "INVALID_ARGUMENT");
        Assert.Equal(0, _host.Ledger.Count);
    }
}
