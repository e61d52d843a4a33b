using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace InvoiceOcr.Sdk.Gemini;

/// <summary>One request of a Gemini batch: the item's key and the <c>generateContent</c> request body.</summary>
/// <param name="Key">The key the result comes back with (the job item's id).</param>
/// <param name="Request">The request body, exactly as an interactive call sends it.</param>
internal sealed record GeminiBatchRequest(string Key, JsonObject Request);

/// <summary>One result of a finished batch: its key and the answer (a <c>generateContent</c> response) or the per-request error (a <c>google.rpc.Status</c>).</summary>
/// <param name="Key">The request's key.</param>
/// <param name="Response">The answer, or <see langword="null"/>.</param>
/// <param name="Error">The error, or <see langword="null"/>.</param>
internal sealed record GeminiBatchResult(string Key, JsonObject? Response, JsonObject? Error);

/// <summary>A batch as <c>batches.get</c> reports it (a <c>google.longrunning.Operation</c>).</summary>
/// <param name="Name">Gemini's name (<c>batches/…</c>).</param>
/// <param name="DisplayName">The display name given at creation.</param>
/// <param name="State">The state (<c>BATCH_STATE_PENDING</c>, <c>…_RUNNING</c>, <c>…_SUCCEEDED</c>, <c>…_FAILED</c>, <c>…_CANCELLED</c>, <c>…_EXPIRED</c>).</param>
/// <param name="InlinedResponses">The results of an inline batch, once it succeeded.</param>
/// <param name="ResponsesFile">The result file of a file batch, once it succeeded.</param>
internal sealed record GeminiBatch(string Name, string? DisplayName, string State, IReadOnlyList<GeminiBatchResult>? InlinedResponses, string? ResponsesFile)
{
    /// <summary>Gets a value indicating whether the batch still runs.</summary>
    public bool IsRunning => State is "BATCH_STATE_PENDING" or "BATCH_STATE_RUNNING" or "JOB_STATE_PENDING" or "JOB_STATE_RUNNING" or "BATCH_STATE_UNSPECIFIED";

    /// <summary>Gets a value indicating whether the batch succeeded (its results are ready).</summary>
    public bool Succeeded => State is "BATCH_STATE_SUCCEEDED" or "JOB_STATE_SUCCEEDED";

    /// <summary>
    /// Gets how many of its requests ran (<c>batchStats.successfulRequestCount</c> + <c>failedRequestCount</c>; proto3 JSON leaves a
    /// zero count out, so an absent count is 0): a request that ran may have been billed.
    /// </summary>
    public long RequestsRun { get; init; }
}

/// <summary>Gemini batch mode: <c>models/{model}:batchGenerateContent</c> (inline, or a JSONL file through the Files API), <c>batches.get/list</c> and result files.</summary>
internal sealed partial class GeminiClient
{
    /// <summary>The documented limit of an inline batch request; larger batches go through the Files API as JSONL.</summary>
    public const long InlineBatchLimitBytes = 20L * 1024 * 1024;

    /// <summary>Submits a batch.</summary>
    /// <param name="model">The model.</param>
    /// <param name="displayName">The display name, chosen by the caller so a lost answer can be found again with <see cref="FindBatchAsync"/>.</param>
    /// <param name="requests">The requests.</param>
    /// <param name="inlineLimitBytes">The largest inline body; above it the requests go as a JSONL file.</param>
    /// <param name="apiKey">The key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The batch as created.</returns>
    public async Task<GeminiBatch> CreateBatchAsync(string model, string displayName, IReadOnlyList<GeminiBatchRequest> requests, long inlineLimitBytes, string apiKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ValidateModel(model);
        var options = _options.CurrentValue;
        var inline = new JsonArray();
        foreach (var request in requests)
        {
            inline.Add(new JsonObject { ["request"] = request.Request.DeepClone(), ["metadata"] = new JsonObject { ["key"] = request.Key } });
        }

        var batch = new JsonObject { ["displayName"] = displayName };
        var body = new JsonObject { ["batch"] = batch };
        batch["inputConfig"] = new JsonObject { ["requests"] = new JsonObject { ["requests"] = inline } };
        var json = Encoding.UTF8.GetBytes(body.ToJsonString());
        if (json.Length > inlineLimitBytes)
        {
            // Too big for one inline request: one JSONL line per request ({"key", "request"}) in a file.
            var lines = new StringBuilder();
            foreach (var request in requests)
            {
                lines.Append(new JsonObject { ["key"] = request.Key, ["request"] = request.Request.DeepClone() }.ToJsonString()).Append('\n');
            }

            var file = await UploadFileAsync(Encoding.UTF8.GetBytes(lines.ToString()), "application/jsonl", displayName, model, options, apiKey, cancellationToken).ConfigureAwait(false);
            batch["inputConfig"] = new JsonObject { ["fileName"] = file.Name };
            json = Encoding.UTF8.GetBytes(body.ToJsonString());
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, Endpoint(options, $"{options.ApiVersion}/models/{model}:batchGenerateContent"));
        message.Headers.TryAddWithoutValidation(ApiKeyHeader, apiKey);
        message.Content = new ByteArrayContent(json);
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType) { CharSet = "utf-8" };
        return ReadBatch(await SendForBodyAsync(message, apiKey, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Gets a batch (<c>batches.get</c>); a batch Gemini no longer knows gives <see langword="null"/>.</summary>
    /// <param name="name">The batch's name.</param>
    /// <param name="apiKey">The key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The batch, or <see langword="null"/> for a 404.</returns>
    public async Task<GeminiBatch?> GetBatchAsync(string name, string apiKey, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        using var message = new HttpRequestMessage(HttpMethod.Get, Endpoint(options, $"{options.ApiVersion}/{name}"));
        message.Headers.TryAddWithoutValidation(ApiKeyHeader, apiKey);
        try
        {
            return ReadBatch(await SendForBodyAsync(message, apiKey, cancellationToken).ConfigureAwait(false));
        }
        catch (InvoiceOcrException ex) when (ex.HttpStatus == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Finds a batch by its display name (<c>batches.list</c>, every page).</summary>
    /// <param name="displayName">The display name.</param>
    /// <param name="apiKey">The key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The batch, or <see langword="null"/> when the project has none by that name.</returns>
    public async Task<GeminiBatch?> FindBatchAsync(string displayName, string apiKey, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        string? page = null;
        do
        {
            var query = page is null ? "?pageSize=1000" : "?pageSize=1000&pageToken=" + Uri.EscapeDataString(page);
            using var message = new HttpRequestMessage(HttpMethod.Get, Endpoint(options, $"{options.ApiVersion}/batches{query}"));
            message.Headers.TryAddWithoutValidation(ApiKeyHeader, apiKey);
            var root = JsonNode.Parse(await SendForBodyAsync(message, apiKey, cancellationToken).ConfigureAwait(false)) as JsonObject;
            foreach (var operation in root?["operations"] as JsonArray ?? [])
            {
                if (operation is JsonObject o && ReadBatch(o) is { } batch && string.Equals(batch.DisplayName, displayName, StringComparison.Ordinal))
                {
                    return batch;
                }
            }

            page = root?["nextPageToken"]?.GetValue<string>();
        }
        while (!string.IsNullOrEmpty(page));
        return null;
    }

    /// <summary>Reads the results of a succeeded batch: inline, or from its JSONL result file.</summary>
    /// <param name="batch">The batch.</param>
    /// <param name="apiKey">The key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The results.</returns>
    public async Task<IReadOnlyList<GeminiBatchResult>> ReadResultsAsync(GeminiBatch batch, string apiKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.InlinedResponses is { } inline)
        {
            return inline;
        }

        if (batch.ResponsesFile is not { } file)
        {
            return [];
        }

        var options = _options.CurrentValue;
        using var message = new HttpRequestMessage(HttpMethod.Get, Endpoint(options, $"download/{options.ApiVersion}/{file}:download?alt=media"));
        message.Headers.TryAddWithoutValidation(ApiKeyHeader, apiKey);
        var text = Encoding.UTF8.GetString(await SendForBodyAsync(message, apiKey, cancellationToken).ConfigureAwait(false));
        var results = new List<GeminiBatchResult>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (JsonNode.Parse(line) is JsonObject o && o["key"]?.GetValue<string>() is { } key)
            {
                results.Add(new GeminiBatchResult(key, o["response"] as JsonObject, o["error"] as JsonObject));
            }
        }

        return results;
    }

    /// <summary>Builds the <c>generateContent</c> body of a document call, exactly as the interactive call sends it, with the document inline or as an uploaded file.</summary>
    /// <param name="request">The document call.</param>
    /// <param name="apiKey">The key (a document above the inline limit is uploaded with it).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The body.</returns>
    public async Task<JsonObject> BuildBatchRequestAsync(GeminiGenerateRequest request, string apiKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = _options.CurrentValue;
        GeminiPart part;
        if (GenerateContentHttpContent.Base64Length(request.Document.Length) <= options.InlineDataLimitBytes)
        {
            part = new GeminiPart { InlineData = new GeminiInlineData { MimeType = request.MimeType, Data = Convert.ToBase64String(request.Document.Span) } };
        }
        else
        {
            var file = await UploadFileAsync(request, options, apiKey, cancellationToken).ConfigureAwait(false);
            file = await WaitUntilActiveAsync(file, options, apiKey, cancellationToken).ConfigureAwait(false);
            part = new GeminiPart { FileData = new GeminiFileData { MimeType = file.MimeType ?? request.MimeType, FileUri = file.Uri } };
        }

        var body = BuildRequest(request, options, part);
        return (JsonObject)JsonSerializer.SerializeToNode(body, GeminiJsonContext.Default.GeminiGenerateContentRequest)!;
    }

    private static GeminiBatch ReadBatch(byte[] body)
    {
        try
        {
            return ReadBatch(JsonNode.Parse(body) as JsonObject ?? throw new JsonException("not an object"))
                ?? throw new InvoiceOcrException(InvoiceOcrErrorKind.ServerError, "Gemini answered a batch call without a batch name.");
        }
        catch (JsonException ex)
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.NetworkFailure, "Gemini answered a batch call with a body that is not complete JSON.", ex);
        }
    }

    private static GeminiBatch? ReadBatch(JsonObject operation)
    {
        var metadata = operation["metadata"] as JsonObject;
        var name = operation["name"]?.GetValue<string>() ?? metadata?["name"]?.GetValue<string>();
        if (name is null)
        {
            return null;
        }

        var output = (operation["response"] as JsonObject) ?? (metadata?["output"] as JsonObject);
        List<GeminiBatchResult>? inline = null;
        if (output?["inlinedResponses"]?["inlinedResponses"] is JsonArray responses)
        {
            inline = [];
            foreach (var response in responses.OfType<JsonObject>())
            {
                var key = response["metadata"]?["key"]?.GetValue<string>() ?? string.Empty;
                inline.Add(new GeminiBatchResult(key, response["response"] as JsonObject, response["error"] as JsonObject));
            }
        }

        var stats = metadata?["batchStats"] as JsonObject;
        return new GeminiBatch(
            name,
            metadata?["displayName"]?.GetValue<string>(),
            metadata?["state"]?.GetValue<string>() ?? "BATCH_STATE_UNSPECIFIED",
            inline,
            output?["responsesFile"]?.GetValue<string>())
        {
            RequestsRun = Count(stats, "successfulRequestCount") + Count(stats, "failedRequestCount"),
        };
    }

    /// <summary>Reads an int64 count of <c>batchStats</c>, a string in proto3 JSON (a number is accepted too).</summary>
    private static long Count(JsonObject? stats, string name) => stats?[name] switch
    {
        JsonValue v when v.TryGetValue<string>(out var text) && long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
        JsonValue v when v.TryGetValue<long>(out var n) => n,
        _ => 0,
    };
}
