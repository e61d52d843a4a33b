using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace InvoiceOcr.Emulator.Tests;

/// <summary>Starts an emulator with test keys and talks to it over real HTTP on loopback.</summary>
internal sealed class EmulatorTestHost : IAsyncDisposable
{
    public const string KeyA1 = "test-key-project-a-1";
    public const string KeyA2 = "test-key-project-a-2";
    public const string KeyB1 = "test-key-project-b-1";
    public const string RevokedKey = "test-key-revoked";

    private EmulatorTestHost(GeminiEmulator emulator)
    {
        Emulator = emulator;
        Http = new HttpClient { BaseAddress = emulator.BaseAddress };
    }

    public GeminiEmulator Emulator { get; }

    public HttpClient Http { get; }

    public EmulatorLedger Ledger => Emulator.Ledger;

    public static GeminiEmulatorOptions DefaultOptions()
    {
        var options = new GeminiEmulatorOptions { Seed = 7 };
        options.Keys.Add(new EmulatorKeyOptions { Key = KeyA1, Id = "a-1", Project = "project-a" });
        options.Keys.Add(new EmulatorKeyOptions { Key = KeyA2, Id = "a-2", Project = "project-a" });
        options.Keys.Add(new EmulatorKeyOptions { Key = KeyB1, Id = "b-1", Project = "project-b" });
        options.Keys.Add(new EmulatorKeyOptions { Key = RevokedKey, Id = "revoked", Project = "project-b", Revoked = true });
        return options;
    }

    public static async Task<EmulatorTestHost> StartAsync(Action<GeminiEmulatorOptions>? configure = null, TimeProvider? time = null)
    {
        var options = DefaultOptions();
        configure?.Invoke(options);
        return new EmulatorTestHost(await GeminiEmulator.StartAsync(options, time, TestContext.Current.CancellationToken));
    }

    public static JsonObject TextRequest(string text = "Why is the sky blue?") =>
        new() { ["contents"] = new JsonArray { new JsonObject { ["role"] = "user", ["parts"] = new JsonArray { new JsonObject { ["text"] = text } } } } };

    public static JsonObject DocumentRequest(string mimeType, byte[] data, string text = "Extract the invoice.") =>
        new()
        {
            ["contents"] = new JsonArray
            {
                new JsonObject
                {
                    ["role"] = "user",
                    ["parts"] = new JsonArray
                    {
                        new JsonObject { ["inlineData"] = new JsonObject { ["mimeType"] = mimeType, ["data"] = Convert.ToBase64String(data) } },
                        new JsonObject { ["text"] = text },
                    },
                },
            },
        };

    public Task<HttpResponseMessage> PostAsync(string path, JsonNode body, string? key = KeyA1) =>
        PostRawAsync(path, body.ToJsonString(), key);

    public async Task<HttpResponseMessage> PostRawAsync(string path, string body, string? key = KeyA1)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Add("x-goog-api-key", key);
        }

        return await Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key = KeyA1)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.Add("x-goog-api-key", key);
        }

        return await Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public Task<HttpResponseMessage> GenerateAsync(JsonNode body, string model = "gemini-2.5-flash", string? key = KeyA1) =>
        PostAsync($"v1beta/models/{model}:generateContent", body, key);

    public static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response) =>
        (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;

    /// <summary>Uploads bytes with the resumable protocol and returns the <c>file</c> resource.</summary>
    public async Task<JsonObject> UploadAsync(byte[] data, string mimeType, string displayName = "invoice", string key = KeyA1)
    {
        using var start = new HttpRequestMessage(HttpMethod.Post, "upload/v1beta/files")
        {
            Content = new StringContent(new JsonObject { ["file"] = new JsonObject { ["display_name"] = displayName } }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        start.Headers.Add("x-goog-api-key", key);
        start.Headers.Add("X-Goog-Upload-Protocol", "resumable");
        start.Headers.Add("X-Goog-Upload-Command", "start");
        start.Headers.Add("X-Goog-Upload-Header-Content-Length", data.Length.ToString());
        start.Headers.Add("X-Goog-Upload-Header-Content-Type", mimeType);
        using var started = await Http.SendAsync(start, TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)started.StatusCode);
        var uploadUrl = Assert.Single(started.Headers.GetValues("X-Goog-Upload-URL"));

        using var upload = new HttpRequestMessage(HttpMethod.Post, uploadUrl) { Content = new ByteArrayContent(data) };
        upload.Content.Headers.ContentType = new MediaTypeHeaderValue(mimeType);
        upload.Headers.Add("x-goog-api-key", key);
        upload.Headers.Add("X-Goog-Upload-Command", "upload, finalize");
        upload.Headers.Add("X-Goog-Upload-Offset", "0");
        using var finalized = await Http.SendAsync(upload, TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)finalized.StatusCode);
        return (JsonObject)(await ReadJsonAsync(finalized))["file"]!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Emulator.DisposeAsync();
    }
}
