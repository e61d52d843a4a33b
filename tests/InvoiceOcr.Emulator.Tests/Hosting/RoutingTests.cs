using System.Net;

namespace InvoiceOcr.Emulator.Tests.Hosting;

public sealed class RoutingTests : IAsyncLifetime
{
    private EmulatorTestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorTestHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    [Theory]
    [InlineData("v1")]
    [InlineData("v1beta")]
    public async Task ModelMethods_ServedUnderV1AndV1beta(string version)
    {
        using var generated = await _host.PostAsync($"{version}/models/gemini-2.5-flash:generateContent", EmulatorTestHost.TextRequest());
        using var counted = await _host.PostAsync($"{version}/models/gemini-2.5-flash:countTokens", EmulatorTestHost.TextRequest());
        using var streamed = await _host.PostAsync($"{version}/models/gemini-2.5-flash:streamGenerateContent?alt=sse", EmulatorTestHost.TextRequest());
        using var listed = await _host.SendAsync(HttpMethod.Get, $"{version}/models");
        using var got = await _host.SendAsync(HttpMethod.Get, $"{version}/models/gemini-2.5-flash");

        Assert.All([generated, counted, streamed, listed, got], r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(2, _host.Ledger.Count);
    }

    [Fact]
    public async Task UnknownModel_UnderV1_MessageNamesV1()
    {
        using var response = await _host.PostAsync("v1/models/gemini-9-ultra:generateContent", EmulatorTestHost.TextRequest());
        var body = await EmulatorTestHost.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.StartsWith("models/gemini-9-ultra is not found for API version v1,", (string?)body["error"]!["message"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "v1/files")]
    [InlineData("POST", "upload/v1/files")]
    [InlineData("GET", "v1/cachedContents")]
    [InlineData("GET", "no/such/route")]
    [InlineData("PUT", "v1beta/models")]
    [InlineData("PATCH", "v1beta/files/abc")]
    public async Task UnknownRouteOrMethod_GoogleShapedJson404(string method, string path)
    {
        using var response = await _host.SendAsync(new HttpMethod(method), path);
        var body = await EmulatorTestHost.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json; charset=UTF-8", response.Content.Headers.ContentType!.ToString());
        Assert.Equal(404, (int)body["error"]!["code"]!);
        Assert.Equal("NOT_FOUND", (string?)body["error"]!["status"]);
        Assert.False(string.IsNullOrEmpty((string?)body["error"]!["message"]));
    }
}
