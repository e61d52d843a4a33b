using System.Net;

namespace InvoiceOcr.Emulator.Tests.Hosting;

public sealed class PaginationTests
{
    [Fact]
    public async Task ModelsAndFiles_PageSizeAndNextPageToken_WalkEveryItemOnce()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            await host.UploadAsync([(byte)'a', (byte)i], "text/plain", "file-" + i);
        }

        async Task<List<string>> WalkAsync(string path, string collection)
        {
            var names = new List<string>();
            string? token = null;
            do
            {
                using var response = await host.SendAsync(HttpMethod.Get, path + "?pageSize=2" + (token is null ? string.Empty : "&pageToken=" + Uri.EscapeDataString(token)));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var body = await EmulatorTestHost.ReadJsonAsync(response);
                var page = body[collection]!.AsArray();
                Assert.InRange(page.Count, 1, 2);
                names.AddRange(page.Select(p => (string)p!["name"]!));
                token = (string?)body["nextPageToken"];
            }
            while (token is not null);
            return names;
        }

        var models = await WalkAsync("v1/models", "models");
        var files = await WalkAsync("v1beta/files", "files");

        Assert.Equal(EmulatorModelOptions.DefaultModels.Select(m => "models/" + m), models);
        Assert.Equal(5, files.Distinct().Count());
        using var bad = await host.SendAsync(HttpMethod.Get, "v1beta/files?pageToken=nonsense");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
