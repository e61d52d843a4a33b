using System.Globalization;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Hosting;

/// <summary>The Files API: resumable upload, get, list and delete.</summary>
internal sealed partial class EmulatorEngine
{
    private async Task UploadAsync(HttpContext ctx)
    {
        var commands = ctx.Request.Headers["X-Goog-Upload-Command"].ToString()
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c.ToLowerInvariant())
            .ToHashSet(StringComparer.Ordinal);
        var uploadId = ctx.Request.Query["upload_id"].ToString();
        if (uploadId.Length > 0)
        {
            // Like the real service, the upload URL itself authorizes the session (clients need not resend the key).
            await ContinueUploadAsync(ctx, uploadId, commands).ConfigureAwait(false);
            return;
        }

        var (key, error) = Authenticate(ctx);
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        if (!string.Equals(ctx.Request.Headers["X-Goog-Upload-Protocol"], "resumable", StringComparison.OrdinalIgnoreCase) || !commands.Contains("start"))
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument("The emulator implements the resumable upload protocol: send X-Goog-Upload-Protocol: resumable and X-Goog-Upload-Command: start.")).ConfigureAwait(false);
            return;
        }

        var (body, bodyError) = await ReadJsonBodyAsync(ctx, allowEmpty: true).ConfigureAwait(false);
        if (bodyError is not null)
        {
            await WriteErrorAsync(ctx, bodyError).ConfigureAwait(false);
            return;
        }

        var displayName = body?["file"]?["displayName"] is JsonValue nameValue && nameValue.TryGetValue<string>(out var name) ? name : string.Empty;
        var mime = ctx.Request.Headers["X-Goog-Upload-Header-Content-Type"].ToString();
        if (mime.Length == 0)
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument("X-Goog-Upload-Header-Content-Type is required: the file's MIME type.")).ConfigureAwait(false);
            return;
        }

        long? declared = long.TryParse(ctx.Request.Headers["X-Goog-Upload-Header-Content-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        var upload = Files.StartUpload(key!.Project, displayName, mime, declared);
        ctx.Response.Headers["X-Goog-Upload-URL"] = BaseAddress(ctx) + "upload/v1beta/files?upload_id=" + upload.UploadId + "&upload_protocol=resumable";
        ctx.Response.Headers["X-Goog-Upload-Status"] = "active";
        ctx.Response.Headers["X-Goog-Upload-Chunk-Granularity"] = "8388608";
        ctx.Response.StatusCode = 200;
    }

    private async Task ContinueUploadAsync(HttpContext ctx, string uploadId, HashSet<string> commands)
    {
        var pending = Files.FindUpload(uploadId);
        if (pending is null)
        {
            await WriteErrorAsync(ctx, GoogleErrors.Simple(404, "NOT_FOUND", "The upload session does not exist or has already been finalized.")).ConfigureAwait(false);
            return;
        }

        if (commands.Contains("upload"))
        {
            var offset = long.TryParse(ctx.Request.Headers["X-Goog-Upload-Offset"], NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : 0;
            if (offset != pending.Buffer.Length)
            {
                await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument(string.Create(CultureInfo.InvariantCulture, $"X-Goog-Upload-Offset is {offset} but {pending.Buffer.Length} bytes were received so far."))).ConfigureAwait(false);
                return;
            }

            await ctx.Request.Body.CopyToAsync(pending.Buffer, ctx.RequestAborted).ConfigureAwait(false);
        }

        if (!commands.Contains("finalize"))
        {
            ctx.Response.Headers["X-Goog-Upload-Status"] = "active";
            ctx.Response.StatusCode = 200;
            return;
        }

        if (pending.DeclaredLength is { } declaredLength && declaredLength != pending.Buffer.Length)
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument(string.Create(CultureInfo.InvariantCulture, $"The upload declared {declaredLength} bytes but {pending.Buffer.Length} were received."))).ConfigureAwait(false);
            return;
        }

        var file = Files.Finalize(pending);
        ctx.Response.Headers["X-Goog-Upload-Status"] = "final";
        await WriteTextAsync(ctx, 200, WireJson.ToIndented(new JsonObject { ["file"] = file.ToJson(BaseAddress(ctx), _time.GetUtcNow()) })).ConfigureAwait(false);
    }

    private async Task GetFileAsync(HttpContext ctx)
    {
        var (key, error) = Authenticate(ctx);
        var id = (string?)ctx.GetRouteValue("id") ?? string.Empty;
        var file = error is null ? Files.Find(id, key!.Project) : null;
        error ??= file is null ? GoogleErrors.FileNotFound(id) : null;
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        await WriteTextAsync(ctx, 200, WireJson.ToIndented(file!.ToJson(BaseAddress(ctx), _time.GetUtcNow()))).ConfigureAwait(false);
    }

    private async Task ListFilesAsync(HttpContext ctx)
    {
        var (key, error) = Authenticate(ctx);
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        var now = _time.GetUtcNow();
        var files = new JsonArray();
        foreach (var file in Files.List(key!.Project))
        {
            files.Add(file.ToJson(BaseAddress(ctx), now));
        }

        await WriteTextAsync(ctx, 200, WireJson.ToIndented(files.Count == 0 ? new JsonObject() : new JsonObject { ["files"] = files })).ConfigureAwait(false);
    }

    private async Task DeleteFileAsync(HttpContext ctx)
    {
        var (key, error) = Authenticate(ctx);
        var id = (string?)ctx.GetRouteValue("id") ?? string.Empty;
        error ??= Files.Delete(id, key!.Project) ? null : GoogleErrors.FileNotFound(id);
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        await WriteTextAsync(ctx, 200, "{}\n").ConfigureAwait(false);
    }
}
