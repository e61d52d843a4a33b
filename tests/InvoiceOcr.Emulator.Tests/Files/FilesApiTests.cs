using System.Net;
using System.Text.Json.Nodes;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Emulator.Tests.Files;

public sealed class FilesApiTests
{
    private static JsonObject FileRequest(string uri, string mime) => new()
    {
        ["contents"] = new JsonArray
        {
            new JsonObject
            {
                ["parts"] = new JsonArray
                {
                    new JsonObject { ["file_data"] = new JsonObject { ["mime_type"] = mime, ["file_uri"] = uri } },
                    new JsonObject { ["text"] = "Extract the invoice." },
                },
            },
        },
    };

    [Fact]
    public async Task ResumableUpload_GetGenerateListDelete_RoundTrips()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        var pdf = SharedData.ReadInvoice("invoice2data/QualityHosting.pdf");

        var file = await host.UploadAsync(pdf, "application/pdf", "quality-hosting");

        Assert.Equal(pdf.Length.ToString(), (string?)file["sizeBytes"]);
        Assert.Equal(System.Text.Json.JsonValueKind.String, file["sizeBytes"]!.GetValueKind());
        Assert.Equal("quality-hosting", (string?)file["displayName"]);
        Assert.Equal("application/pdf", (string?)file["mimeType"]);
        Assert.Equal("UPLOADED", (string?)file["source"]);
        var name = (string)file["name"]!;
        Assert.Matches("^files/[a-z0-9]{12}$", name);
        Assert.Equal(host.Emulator.BaseAddress + "v1beta/" + name, (string?)file["uri"]);

        using (var generated = await host.GenerateAsync(FileRequest((string)file["uri"]!, "application/pdf")))
        {
            Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
            var usage = (await EmulatorTestHost.ReadJsonAsync(generated))["usageMetadata"]!;
            Assert.Equal(516, (int)usage["promptTokensDetails"]![1]!["tokenCount"]!);
        }

        using (var listed = await host.SendAsync(HttpMethod.Get, "v1beta/files"))
        {
            var files = (await EmulatorTestHost.ReadJsonAsync(listed))["files"]!.AsArray();
            Assert.Equal(name, (string?)Assert.Single(files)!["name"]);
        }

        using (var deleted = await host.SendAsync(HttpMethod.Delete, "v1beta/" + name))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        using var gone = await host.SendAsync(HttpMethod.Get, "v1beta/" + name);
        Assert.Equal(HttpStatusCode.Forbidden, gone.StatusCode);
        Assert.Equal("PERMISSION_DENIED", (string?)(await EmulatorTestHost.ReadJsonAsync(gone))["error"]!["status"]);
    }

    [Fact]
    public async Task UploadedFile_IsInvisibleToAnotherProject()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        var file = await host.UploadAsync(SharedData.ReadInvoice("sroie/img/000.jpg"), "image/jpeg");

        using var get = await host.SendAsync(HttpMethod.Get, "v1beta/" + (string)file["name"]!, EmulatorTestHost.KeyB1);
        using var generate = await host.GenerateAsync(FileRequest((string)file["uri"]!, "image/jpeg"), key: EmulatorTestHost.KeyB1);
        using var sameProject = await host.SendAsync(HttpMethod.Get, "v1beta/" + (string)file["name"]!, EmulatorTestHost.KeyA2);

        Assert.Equal(HttpStatusCode.Forbidden, get.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, generate.StatusCode);
        Assert.Equal(HttpStatusCode.OK, sameProject.StatusCode);
    }

    [Fact]
    public async Task ProcessingFile_BecomesActiveAfterProcessingTime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-04T10:00:00Z"));
        await using var host = await EmulatorTestHost.StartAsync(o => o.FileProcessingTime = TimeSpan.FromSeconds(10), time);

        var file = await host.UploadAsync(SharedData.ReadInvoice("invoice2data/QualityHosting.pdf"), "application/pdf");
        Assert.Equal("PROCESSING", (string?)file["state"]);

        using (var early = await host.GenerateAsync(FileRequest((string)file["uri"]!, "application/pdf")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, early.StatusCode);
            Assert.Equal("FAILED_PRECONDITION", (string?)(await EmulatorTestHost.ReadJsonAsync(early))["error"]!["status"]);
        }

        time.Advance(TimeSpan.FromSeconds(10));
        using (var get = await host.SendAsync(HttpMethod.Get, "v1beta/" + (string)file["name"]!))
        {
            var active = await EmulatorTestHost.ReadJsonAsync(get);
            Assert.Equal("ACTIVE", (string?)active["state"]);
            Assert.Equal("2026-03-04T10:00:00Z", (string?)active["createTime"]);
            Assert.Equal("2026-03-04T10:00:10Z", (string?)active["updateTime"]);
            Assert.Equal("2026-03-06T10:00:00Z", (string?)active["expirationTime"]);
        }

        using var generated = await host.GenerateAsync(FileRequest((string)file["uri"]!, "application/pdf"));
        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
    }

    [Fact]
    public async Task File_ExpiresAfterRetention()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-04T10:00:00Z"));
        await using var host = await EmulatorTestHost.StartAsync(configure: null, time);
        var file = await host.UploadAsync(SharedData.ReadInvoice("sroie/img/000.jpg"), "image/jpeg");

        time.Advance(TimeSpan.FromHours(48));

        using var get = await host.SendAsync(HttpMethod.Get, "v1beta/" + (string)file["name"]!);
        Assert.Equal(HttpStatusCode.Forbidden, get.StatusCode);
    }

    [Fact]
    public async Task ChunkedResumableUpload_AppendsAtOffsetsAndRejectsWrongOffset()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        var data = SharedData.ReadInvoice("sroie/img/000.jpg");
        var ct = TestContext.Current.CancellationToken;

        using var start = new HttpRequestMessage(HttpMethod.Post, "upload/v1beta/files");
        start.Headers.Add("x-goog-api-key", EmulatorTestHost.KeyA1);
        start.Headers.Add("X-Goog-Upload-Protocol", "resumable");
        start.Headers.Add("X-Goog-Upload-Command", "start");
        start.Headers.Add("X-Goog-Upload-Header-Content-Length", data.Length.ToString());
        start.Headers.Add("X-Goog-Upload-Header-Content-Type", "image/jpeg");
        using var started = await host.Http.SendAsync(start, ct);
        var url = Assert.Single(started.Headers.GetValues("X-Goog-Upload-URL"));

        async Task<HttpResponseMessage> Step(string command, int offset, byte[] bytes, bool withKey = true)
        {
            using var step = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
            if (withKey)
            {
                step.Headers.Add("x-goog-api-key", EmulatorTestHost.KeyA1);
            }

            step.Headers.Add("X-Goog-Upload-Command", command);
            step.Headers.Add("X-Goog-Upload-Offset", offset.ToString());
            return await host.Http.SendAsync(step, ct);
        }

        var half = data.Length / 2;
        using (var first = await Step("upload", 0, data[..half]))
        {
            Assert.Equal("active", Assert.Single(first.Headers.GetValues("X-Goog-Upload-Status")));
        }

        using (var wrong = await Step("upload", 0, data[half..]))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        }

        // The upload URL authorizes the session by itself, as with the real service.
        using var last = await Step("upload, finalize", half, data[half..], withKey: false);
        Assert.Equal("final", Assert.Single(last.Headers.GetValues("X-Goog-Upload-Status")));
        var file = (await EmulatorTestHost.ReadJsonAsync(last))["file"]!;
        Assert.Equal(data.Length.ToString(), (string?)file["sizeBytes"]);
        var expectedHash = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data))));
        Assert.Equal(expectedHash, (string?)file["sha256Hash"]);
    }

    [Fact]
    public async Task Upload_WithoutResumableProtocol_Gets400()
    {
        await using var host = await EmulatorTestHost.StartAsync();

        using var response = await host.PostRawAsync("upload/v1beta/files", "{}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("INVALID_ARGUMENT", (string?)(await EmulatorTestHost.ReadJsonAsync(response))["error"]!["status"]);
    }
}
