using System.Globalization;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Batches;

/// <summary>One request of a batch: its key (file input) or metadata (inline input) and its body.</summary>
internal sealed record BatchRequest(string? Key, JsonNode? Metadata, JsonObject Body);

/// <summary>One <c>batches/{id}</c> operation and its results.</summary>
internal sealed class BatchJob
{
    private const string TypePrefix = "type.googleapis.com/google.ai.generativelanguage.v1main.";

    public required string Id { get; init; }

    public required string Project { get; init; }

    public required EmulatorKeyOptions Key { get; init; }

    public required string Model { get; init; }

    public string? DisplayName { get; init; }

    public required IReadOnlyList<BatchRequest> Requests { get; init; }

    /// <summary>The <c>files/{id}</c> the requests came from, or <see langword="null"/> for inline requests.</summary>
    public string? InputFile { get; init; }

    /// <summary>The prompt tokens the batch holds while unfinished (its batch-quota weight).</summary>
    public required long EnqueuedTokens { get; init; }

    /// <summary>The test-only attempt header of the create call, recorded on every billed request of the batch.</summary>
    public string? TestAttempt { get; init; }

    public required DateTimeOffset CreateTime { get; init; }

    public required DateTimeOffset DueTime { get; init; }

    public string State { get; set; } = "BATCH_STATE_PENDING";

    public DateTimeOffset UpdateTime { get; set; }

    public DateTimeOffset? EndTime { get; set; }

    public int Succeeded { get; set; }

    public int Failed { get; set; }

    /// <summary>The requests that never ran because the batch ended first (<see cref="ScriptedEnd"/>).</summary>
    public int NotRun { get; set; }

    /// <summary>How the batch ends instead of succeeding, when scripted (<see cref="GeminiEmulator.EndNextBatch"/>).</summary>
    public EmulatorBatchEnd? ScriptedEnd { get; set; }

    /// <summary>The operation's <c>error</c> (a <c>google.rpc.Status</c>) of a failed batch.</summary>
    public JsonObject? Error { get; set; }

    /// <summary>Inline results (<c>inlinedResponses</c>), set when an inline batch succeeds.</summary>
    public JsonArray? InlinedResponses { get; set; }

    /// <summary>The result file (<c>files/batch-…</c>), set when a file batch succeeds.</summary>
    public string? ResponsesFile { get; set; }

    public string Name => "batches/" + Id;

    public bool IsUnfinished => State is "BATCH_STATE_PENDING" or "BATCH_STATE_RUNNING";

    /// <summary>The <c>google.longrunning.Operation</c> the real service returns for a batch.</summary>
    public JsonObject ToJson()
    {
        var stats = new JsonObject { ["requestCount"] = Requests.Count.ToString(CultureInfo.InvariantCulture) };
        if (State == "BATCH_STATE_SUCCEEDED")
        {
            stats["successfulRequestCount"] = Succeeded.ToString(CultureInfo.InvariantCulture);
            if (Failed > 0)
            {
                stats["failedRequestCount"] = Failed.ToString(CultureInfo.InvariantCulture);
            }
        }
        else if (IsUnfinished)
        {
            stats["pendingRequestCount"] = Requests.Count.ToString(CultureInfo.InvariantCulture);
        }
        else if (ScriptedEnd is not null)
        {
            // proto3 JSON leaves zero counts out, as the real service does.
            AddCount(stats, "successfulRequestCount", Succeeded);
            AddCount(stats, "failedRequestCount", Failed);
            AddCount(stats, "pendingRequestCount", NotRun);
        }

        var metadata = new JsonObject
        {
            ["@type"] = TypePrefix + "GenerateContentBatch",
            ["model"] = "models/" + Model,
        };
        if (!string.IsNullOrEmpty(DisplayName))
        {
            metadata["displayName"] = DisplayName;
        }

        metadata["createTime"] = WireJson.Timestamp(CreateTime);
        if (EndTime is { } end)
        {
            metadata["endTime"] = WireJson.Timestamp(end);
        }

        metadata["updateTime"] = WireJson.Timestamp(UpdateTime);
        metadata["batchStats"] = stats;
        metadata["state"] = State;
        metadata["name"] = Name;

        var operation = new JsonObject { ["name"] = Name, ["metadata"] = metadata };
        var output = Output();
        if (output is not null)
        {
            metadata["output"] = output.DeepClone();
            operation["done"] = true;
            var response = new JsonObject { ["@type"] = TypePrefix + "GenerateContentBatchOutput" };
            foreach (var (name, value) in output)
            {
                response[name] = value!.DeepClone();
            }

            operation["response"] = response;
        }
        else if (!IsUnfinished)
        {
            operation["done"] = true;
        }

        if (Error is not null)
        {
            operation["error"] = Error.DeepClone();
        }

        return operation;
    }

    private static void AddCount(JsonObject stats, string name, int count)
    {
        if (count > 0)
        {
            stats[name] = count.ToString(CultureInfo.InvariantCulture);
        }
    }

    private JsonObject? Output()
    {
        if (InlinedResponses is not null)
        {
            return new JsonObject { ["inlinedResponses"] = new JsonObject { ["inlinedResponses"] = InlinedResponses.DeepClone() } };
        }

        return ResponsesFile is not null ? new JsonObject { ["responsesFile"] = ResponsesFile } : null;
    }
}

/// <summary>The batches, per project.</summary>
internal sealed class BatchStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, BatchJob> _jobs = new(StringComparer.Ordinal);
    private readonly Queue<EmulatorBatchEnd> _scriptedEnds = new();

    /// <summary>Queues how the next batch accepted ends.</summary>
    public void ScriptEnd(EmulatorBatchEnd end)
    {
        lock (_gate)
        {
            _scriptedEnds.Enqueue(end);
        }
    }


    /// <summary>Adds a batch unless the project's unfinished batches for the model would go over <paramref name="limit"/>.</summary>
    /// <returns><see langword="null"/> when added, else the earliest due time of the batches in the way.</returns>
    public DateTimeOffset? TryAdd(BatchJob job, long? limit)
    {
        lock (_gate)
        {
            var queued = _jobs.Values.Where(j => j.Project == job.Project && j.Model == job.Model && j.IsUnfinished).ToList();
            if (limit is { } max && queued.Sum(j => j.EnqueuedTokens) + job.EnqueuedTokens > max)
            {
                return queued.Count > 0 ? queued.Min(j => j.DueTime) : job.DueTime;
            }

            // A scripted end belongs to the next batch accepted (a refused one never runs).
            job.ScriptedEnd = _scriptedEnds.TryDequeue(out var end) ? end : null;
            _jobs[job.Id] = job;
            return null;
        }
    }

    public BatchJob? Find(string id, string project)
    {
        lock (_gate)
        {
            return _jobs.TryGetValue(id, out var job) && job.Project == project ? job : null;
        }
    }

    public IReadOnlyList<BatchJob> List(string project)
    {
        lock (_gate)
        {
            return [.. _jobs.Values.Where(j => j.Project == project).OrderBy(j => j.CreateTime).ThenBy(j => j.Id, StringComparer.Ordinal)];
        }
    }

    public bool Remove(string id)
    {
        lock (_gate)
        {
            return _jobs.Remove(id);
        }
    }
}
