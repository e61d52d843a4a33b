using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Batches;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Hosting;

/// <summary>
/// Batch mode: <c>models/{model}:batchGenerateContent</c> (inline requests or a JSONL file), <c>batches.get/list/cancel/delete</c>.
/// A batch runs on the emulator's clock (<see cref="GeminiEmulatorOptions.BatchTurnaround"/>) and is billed at the batch tier.
/// </summary>
internal sealed partial class EmulatorEngine
{
    /// <summary>The documented limit of an inline batch request (20 MB); larger batches go through the Files API.</summary>
    private const long InlineBatchLimit = 20L * 1024 * 1024;

    private readonly SemaphoreSlim _batchGate = new(1, 1);

    public void Dispose() => _batchGate.Dispose();

    private async Task CreateBatchAsync(HttpContext ctx, string model, EmulatorKeyOptions key)
    {
        if (ctx.Request.ContentLength > InlineBatchLimit)
        {
            await WriteErrorAsync(ctx, GoogleErrors.PayloadTooLarge(InlineBatchLimit)).ConfigureAwait(false);
            return;
        }

        var (body, bodyError) = await ReadJsonBodyAsync(ctx, maxBytes: InlineBatchLimit).ConfigureAwait(false);
        if (bodyError is not null)
        {
            await WriteErrorAsync(ctx, bodyError).ConfigureAwait(false);
            return;
        }

        var batch = body!["batch"] as JsonObject;
        var input = batch?["inputConfig"] as JsonObject;
        var inline = input?["requests"]?["requests"] as JsonArray;
        var fileName = input?["fileName"] is JsonValue f && f.TryGetValue<string>(out var name) ? name : null;
        if ((inline is null) == (fileName is null))
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument("* BatchGenerateContentRequest.batch.input_config: exactly one of requests and file_name must be set.\n")).ConfigureAwait(false);
            return;
        }

        List<BatchRequest> requests;
        if (inline is not null)
        {
            requests = [.. inline.Select(item => new BatchRequest(null, item?["metadata"]?.DeepClone(), item?["request"] as JsonObject ?? []))];
        }
        else
        {
            var file = Files.Find(fileName!.StartsWith("files/", StringComparison.Ordinal) ? fileName["files/".Length..] : fileName, key.Project);
            if (file is null)
            {
                await WriteErrorAsync(ctx, GoogleErrors.FileNotFound(fileName)).ConfigureAwait(false);
                return;
            }

            requests = [];
            foreach (var line in Encoding.UTF8.GetString(file.Data).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                JsonObject? item;
                try
                {
                    item = JsonNode.Parse(line) as JsonObject;
                }
                catch (JsonException)
                {
                    item = null;
                }

                // A line that is not a request becomes a per-request error in the results, as one bad line does not fail a batch.
                requests.Add(new BatchRequest(item?["key"]?.ToString(), null, item?["request"] is JsonObject request ? (JsonObject)WireJson.Normalize(request)! : []));
            }
        }

        if (requests.Count == 0)
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument("* BatchGenerateContentRequest.batch.input_config: the batch has no requests.\n")).ConfigureAwait(false);
            return;
        }

        var now = _time.GetUtcNow();
        long enqueued = 0;
        foreach (var request in requests)
        {
            var (parsed, _) = RequestParser.Parse(request.Body, model, key.Project, Files, now);
            enqueued += parsed?.PromptTokens ?? 0;
        }

        var job = new BatchJob
        {
            Id = NewFileId(),
            Project = key.Project,
            Key = key,
            Model = model,
            DisplayName = batch!["displayName"] is JsonValue d && d.TryGetValue<string>(out var display) ? display : null,
            Requests = requests,
            InputFile = fileName,
            EnqueuedTokens = enqueued,
            TestAttempt = TestAttempt(ctx),
            CreateTime = now,
            DueTime = now + _options.BatchTurnaround,
            UpdateTime = now,
        };
        _options.Projects.TryGetValue(key.Project, out var limits);
        if (Batches.TryAdd(job, limits?.BatchEnqueuedTokens) is { } retryAt)
        {
            await WriteErrorAsync(ctx, GoogleErrors.QuotaExceeded(
                "generativelanguage.googleapis.com/batch_enqueued_tokens",
                "BatchEnqueuedTokensPerModelPerProject",
                model,
                limits!.BatchEnqueuedTokens!.Value,
                retryAt - now)).ConfigureAwait(false);
            return;
        }

        await WriteTextAsync(ctx, 200, WireJson.ToIndented(job.ToJson())).ConfigureAwait(false);
    }

    private async Task GetBatchAsync(HttpContext ctx)
    {
        var (job, key, error) = FindBatch(ctx);
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        await AdvanceAsync(job!, ctx.RequestAborted).ConfigureAwait(false);
        await WriteTextAsync(ctx, 200, WireJson.ToIndented(job!.ToJson())).ConfigureAwait(false);
    }

    /// <summary><c>POST batches/{id}:cancel</c>.</summary>
    private async Task PostBatchAsync(HttpContext ctx)
    {
        var (job, _, error) = FindBatch(ctx, ":cancel");
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        await AdvanceAsync(job!, ctx.RequestAborted).ConfigureAwait(false);
        await _batchGate.WaitAsync(ctx.RequestAborted).ConfigureAwait(false);
        try
        {
            if (job!.IsUnfinished)
            {
                var now = _time.GetUtcNow();
                job.State = "BATCH_STATE_CANCELLED";
                job.EndTime = now;
                job.UpdateTime = now;
            }
        }
        finally
        {
            _batchGate.Release();
        }

        await WriteTextAsync(ctx, 200, "{}\n").ConfigureAwait(false);
    }

    private async Task DeleteBatchAsync(HttpContext ctx)
    {
        var (job, _, error) = FindBatch(ctx);
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        await _batchGate.WaitAsync(ctx.RequestAborted).ConfigureAwait(false);
        try
        {
            Batches.Remove(job!.Id);
        }
        finally
        {
            _batchGate.Release();
        }

        await WriteTextAsync(ctx, 200, "{}\n").ConfigureAwait(false);
    }

    private async Task ListBatchesAsync(HttpContext ctx)
    {
        var (key, error) = Authenticate(ctx);
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        var (page, next, pageError) = Paging.Page(Batches.List(key!.Project), ctx, defaultSize: 50, maxSize: 1000);
        if (pageError is not null)
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument(pageError)).ConfigureAwait(false);
            return;
        }

        var operations = new JsonArray();
        foreach (var job in page)
        {
            await AdvanceAsync(job, ctx.RequestAborted).ConfigureAwait(false);
            operations.Add(job.ToJson());
        }

        var json = new JsonObject();
        if (operations.Count > 0)
        {
            json["operations"] = operations;
        }

        if (next is not null)
        {
            json["nextPageToken"] = next;
        }

        await WriteTextAsync(ctx, 200, WireJson.ToIndented(json)).ConfigureAwait(false);
    }

    private (BatchJob? Job, EmulatorKeyOptions? Key, GoogleError? Error) FindBatch(HttpContext ctx, string? verb = null)
    {
        var (key, error) = Authenticate(ctx);
        if (error is not null)
        {
            return (null, null, error);
        }

        var id = (string?)ctx.GetRouteValue("id") ?? string.Empty;
        if (verb is not null)
        {
            if (!id.EndsWith(verb, StringComparison.Ordinal))
            {
                return (null, key, GoogleErrors.Simple(404, "NOT_FOUND", "Method not found."));
            }

            id = id[..^verb.Length];
        }

        var job = Batches.Find(id, key!.Project);
        return job is null ? (null, key, GoogleErrors.Simple(404, "NOT_FOUND", $"Requested entity was not found.")) : (job, key, null);
    }

    /// <summary>Moves a batch along the emulator's clock: running from half its turnaround, done (generated and billed) at the end.</summary>
    private async ValueTask AdvanceAsync(BatchJob job, CancellationToken cancellationToken)
    {
        await _batchGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            if (!job.IsUnfinished)
            {
                return;
            }

            if (now >= job.DueTime)
            {
                await CompleteAsync(job, cancellationToken).ConfigureAwait(false);
            }
            else if (now >= job.CreateTime + ((job.DueTime - job.CreateTime) / 2) && job.State == "BATCH_STATE_PENDING")
            {
                job.State = "BATCH_STATE_RUNNING";
                job.UpdateTime = now;
            }
        }
        finally
        {
            _batchGate.Release();
        }
    }

    private async ValueTask CompleteAsync(BatchJob job, CancellationToken cancellationToken)
    {
        var modelOptions = _models[job.Model];
        var results = new List<JsonObject?>();
        foreach (var item in job.Requests)
        {
            if (job.ScriptedEnd is { } end && results.Count >= end.CompletedRequests)
            {
                // The batch ends before this request runs: never generated, never billed, no result.
                results.Add(null);
                job.NotRun++;
                continue;
            }

            var (parsed, error) = RequestParser.Parse(item.Body, job.Model, job.Project, Files, _time.GetUtcNow());
            if (error is null)
            {
                (parsed, error) = WithExplicitCache(item.Body, parsed!, job.Model, job.Project);
            }

            if (error is null && parsed!.PromptTokens > modelOptions.InputTokenLimit)
            {
                error = GoogleErrors.InvalidArgument(string.Create(CultureInfo.InvariantCulture,
                    $"The input token count ({parsed.PromptTokens}) exceeds the maximum number of tokens allowed ({modelOptions.InputTokenLimit})."));
            }

            var result = new JsonObject();
            if (error is not null)
            {
                // A per-request error inside a successful batch: google.rpc.Status without the HTTP wrapper.
                result["error"] = error.Body["error"]!.DeepClone();
                job.Failed++;
            }
            else
            {
                var generation = await GenerateAsync(parsed!, job.Model, modelOptions, job.Project, EmulatorFaultKind.None, cancellationToken).ConfigureAwait(false);
                Bill(job.Key, "batchGenerateContent", generation, EmulatorFaultKind.None, job.TestAttempt, "batch");
                result["response"] = BuildUnary(generation);
                job.Succeeded++;
            }

            results.Add(result);
        }

        if (job.ScriptedEnd is { ReturnCompletedResults: false })
        {
            // As Google documents an expired batch: no results to retrieve, only the counts in batchStats.
        }
        else if (job.InputFile is null)
        {
            job.InlinedResponses = [];
            for (var i = 0; i < results.Count; i++)
            {
                if (results[i] is not { } result)
                {
                    continue;
                }

                if (job.Requests[i].Metadata is { } metadata)
                {
                    result["metadata"] = metadata.DeepClone();
                }

                job.InlinedResponses.Add(result);
            }
        }
        else
        {
            var lines = new StringBuilder();
            for (var i = 0; i < results.Count; i++)
            {
                if (results[i] is not { } result)
                {
                    continue;
                }

                var line = new JsonObject();
                if (job.Requests[i].Key is { } requestKey)
                {
                    line["key"] = requestKey;
                }

                foreach (var (name, value) in result.ToList())
                {
                    result.Remove(name);
                    line[name] = value;
                }

                lines.Append(WireJson.ToCompact(line)).Append('\n');
            }

            var file = Files.AddGenerated("batch-" + job.Id, job.Project, "batch-" + job.Id, "application/jsonl", Encoding.UTF8.GetBytes(lines.ToString()));
            job.ResponsesFile = "files/" + file.Id;
        }

        job.State = job.ScriptedEnd?.State switch
        {
            EmulatorBatchEndState.Expired => "BATCH_STATE_EXPIRED",
            EmulatorBatchEndState.Failed => "BATCH_STATE_FAILED",
            EmulatorBatchEndState.Cancelled => "BATCH_STATE_CANCELLED",
            _ => "BATCH_STATE_SUCCEEDED",
        };
        if (job.ScriptedEnd is { State: EmulatorBatchEndState.Failed })
        {
            job.Error = new JsonObject { ["code"] = 13, ["message"] = "The batch failed: an internal error has occurred." };
        }

        job.EndTime = _time.GetUtcNow();
        job.UpdateTime = job.EndTime.Value;
    }
}
