using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Answers;
using InvoiceOcr.Emulator.Faults;
using InvoiceOcr.Emulator.Files;
using InvoiceOcr.Emulator.Quotas;
using InvoiceOcr.Emulator.Tokens;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Hosting;

/// <summary>The emulator's request handling: auth, validation, quotas, faults, answers, billing and the wire formats.</summary>
internal sealed class EmulatorEngine
{
    private const string JsonContentType = "application/json; charset=UTF-8";
    private static readonly string[] SafetyCategories =
        ["HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_DANGEROUS_CONTENT", "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_SEXUALLY_EXPLICIT"];

    private static readonly JsonSerializerOptions LedgerJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly JsonSerializerOptions FaultJson = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private readonly GeminiEmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, EmulatorKeyOptions> _keys;
    private readonly Dictionary<string, EmulatorModelOptions> _models;
    private readonly QuotaTracker _quotas;
    private readonly Lock _idGate = new();
#pragma warning disable CA5394 // Reproducible ids from the seed; not a security boundary.
    private readonly Random _ids;

    public EmulatorEngine(GeminiEmulatorOptions options, TimeProvider timeProvider)
    {
        _options = options;
        _time = timeProvider;
        _keys = options.Keys.ToDictionary(k => k.Key, StringComparer.Ordinal);
        var models = options.Models.Count > 0 ? options.Models : [.. EmulatorModelOptions.DefaultModels.Select(id => new EmulatorModelOptions { Id = id })];
        _models = models.ToDictionary(m => m.Id, StringComparer.Ordinal);
        _quotas = new QuotaTracker(timeProvider);
        _ids = new Random(options.Seed);
        Faults = new FaultPlanner(options.Faults, options.Seed);
        Files = new FileStore(timeProvider, options, () => NewId(22), () => NewFileId());
    }

    public EmulatorLedger Ledger { get; } = new();

    public FaultPlanner Faults { get; }

    public FileStore Files { get; }

    public void Map(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder app)
    {
        app.MapPost("/v1beta/models/{**rest}", PostModelAsync);
        app.MapGet("/v1beta/models", ListModelsAsync);
        app.MapGet("/v1beta/models/{**rest}", GetModelAsync);
        app.MapPost("/upload/v1beta/files", UploadAsync);
        app.MapGet("/v1beta/files", ListFilesAsync);
        app.MapGet("/v1beta/files/{id}", GetFileAsync);
        app.MapDelete("/v1beta/files/{id}", DeleteFileAsync);
        app.MapGet("/emulator/ledger", ctx => WriteTextAsync(ctx, 200, JsonSerializer.Serialize(new
        {
            entries = Ledger.Entries,
            totalsByKey = Ledger.TotalsByKey(),
            totalsByProject = Ledger.TotalsByProject(),
        }, LedgerJson)));
        app.MapDelete("/emulator/ledger", ctx =>
        {
            Ledger.Clear();
            return WriteTextAsync(ctx, 200, "{}\n");
        });
        app.MapPost("/emulator/faults", InjectFaultAsync);
    }

    /// <summary><c>POST /emulator/faults</c> with <c>{"kind":"Unavailable","count":2,"keyId":"alpha-1"}</c> scripts faults at run time.</summary>
    private async Task InjectFaultAsync(HttpContext ctx)
    {
        EmulatorScriptedFault? step;
        try
        {
            step = await JsonSerializer.DeserializeAsync<EmulatorScriptedFault>(ctx.Request.Body, FaultJson, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument("Invalid fault: " + exception.Message)).ConfigureAwait(false);
            return;
        }

        if (step is null || step.Count < 1 || !Enum.IsDefined(step.Kind))
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument("Send {\"kind\": \"<EmulatorFaultKind>\", \"count\": N >= 1, \"keyId\": null or a key id}.")).ConfigureAwait(false);
            return;
        }

        Faults.Enqueue(step.Kind, step.Count, step.KeyId);
        await WriteTextAsync(ctx, 200, "{}\n").ConfigureAwait(false);
    }

    // ---- generateContent / streamGenerateContent / countTokens ----

    private async Task PostModelAsync(HttpContext ctx)
    {
        var rest = (string?)ctx.GetRouteValue("rest") ?? string.Empty;
        var colon = rest.LastIndexOf(':');
        var model = colon < 0 ? rest : rest[..colon];
        var method = colon < 0 ? string.Empty : rest[(colon + 1)..];
        if (method is not ("generateContent" or "streamGenerateContent" or "countTokens"))
        {
            await WriteErrorAsync(ctx, GoogleErrors.Simple(404, "NOT_FOUND", $"Method not found: {method}.")).ConfigureAwait(false);
            return;
        }

        var (key, authError) = Authenticate(ctx);
        if (authError is not null)
        {
            await WriteErrorAsync(ctx, authError).ConfigureAwait(false);
            return;
        }

        if (!_models.TryGetValue(model, out var modelOptions))
        {
            await WriteErrorAsync(ctx, GoogleErrors.ModelNotFound(model, method)).ConfigureAwait(false);
            return;
        }

        var (body, bodyError) = await ReadJsonBodyAsync(ctx).ConfigureAwait(false);
        if (bodyError is not null)
        {
            await WriteErrorAsync(ctx, bodyError).ConfigureAwait(false);
            return;
        }

        if (method == "countTokens")
        {
            await CountTokensAsync(ctx, body!, model, key!).ConfigureAwait(false);
            return;
        }

        var (request, parseError) = RequestParser.Parse(body!, model, key!.Project, Files, _time.GetUtcNow());
        if (parseError is not null)
        {
            await WriteErrorAsync(ctx, parseError).ConfigureAwait(false);
            return;
        }

        if (request!.PromptTokens > modelOptions.InputTokenLimit)
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument(string.Create(CultureInfo.InvariantCulture,
                $"The input token count ({request.PromptTokens}) exceeds the maximum number of tokens allowed ({modelOptions.InputTokenLimit})."))).ConfigureAwait(false);
            return;
        }

        var plan = Faults.Next(key);
        if (plan.Latency > TimeSpan.Zero)
        {
            await Task.Delay(plan.Latency, _time, ctx.RequestAborted).ConfigureAwait(false);
        }

        // Server-side errors happen before admission: they consume no quota and are not billed.
        var serverError = plan.Kind switch
        {
            EmulatorFaultKind.Internal => GoogleErrors.Internal(),
            EmulatorFaultKind.Unavailable => GoogleErrors.Overloaded(),
            EmulatorFaultKind.DeadlineExceeded => GoogleErrors.DeadlineExceeded(),
            _ => null,
        };
        if (serverError is not null)
        {
            await WriteErrorAsync(ctx, serverError).ConfigureAwait(false);
            return;
        }

        _options.Projects.TryGetValue(key.Project, out var limits);
        var quotaError = _quotas.TryAdmit(key.Project, limits, model, request.PromptTokens);
        if (quotaError is not null)
        {
            await WriteErrorAsync(ctx, quotaError).ConfigureAwait(false);
            return;
        }

        var stream = method == "streamGenerateContent";
        var sse = stream && string.Equals(ctx.Request.Query["alt"], "sse", StringComparison.OrdinalIgnoreCase);
        if (plan.Kind == EmulatorFaultKind.PromptBlocked)
        {
            var blocked = new JsonObject { ["promptFeedback"] = PromptFeedback() };
            if (stream)
            {
                await WriteStreamAsync(ctx, [blocked], sse, EmulatorFaultKind.None).ConfigureAwait(false);
            }
            else
            {
                await WriteTextAsync(ctx, 200, WireJson.ToIndented(blocked)).ConfigureAwait(false);
            }

            return;
        }

        var answer = await ResolveAnswerAsync(request, model, ctx.RequestAborted).ConfigureAwait(false);
        var (text, finishReason) = ApplyOutcome(answer, plan.Kind, Math.Min(request.MaxOutputTokens ?? int.MaxValue, modelOptions.OutputTokenLimit));
        var candidatesTokens = text is null ? 0 : TokenRules.Text(text);
        var thoughtsTokens = modelOptions.ThoughtsTokens;
        var responseId = NewId(22);
        var billed = plan.Kind is not (EmulatorFaultKind.ConnectionReset or EmulatorFaultKind.TruncatedBody);
        if (billed)
        {
            Bill(key, model, method, responseId, finishReason, request, candidatesTokens, thoughtsTokens);
        }

        if (stream)
        {
            var events = BuildStreamEvents(request, model, responseId, text, finishReason, candidatesTokens, thoughtsTokens, plan.Kind == EmulatorFaultKind.Safety);
            await WriteStreamAsync(ctx, events, sse, plan.Kind).ConfigureAwait(false);
            return;
        }

        var response = BuildUnary(request, model, responseId, text, finishReason, candidatesTokens, thoughtsTokens, plan.Kind == EmulatorFaultKind.Safety);
        var json = WireJson.ToIndented(response);
        switch (plan.Kind)
        {
            case EmulatorFaultKind.ConnectionReset:
                await WritePartialThenAbortAsync(ctx, json).ConfigureAwait(false);
                break;
            case EmulatorFaultKind.TruncatedBody:
                await WriteTextAsync(ctx, 200, json[..(json.Length / 2)]).ConfigureAwait(false);
                break;
            default:
                await WriteTextAsync(ctx, 200, json).ConfigureAwait(false);
                break;
        }
    }

    private async Task CountTokensAsync(HttpContext ctx, JsonObject body, string model, EmulatorKeyOptions key)
    {
        var hasContents = body["contents"] is not null;
        var inner = body["generateContentRequest"] as JsonObject;
        if (hasContents && inner is not null)
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument("* CountTokensRequest: contents and generate_content_request are mutually exclusive.\n")).ConfigureAwait(false);
            return;
        }

        var (request, error) = RequestParser.Parse(inner ?? body, model, key.Project, Files, _time.GetUtcNow());
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        var response = new JsonObject
        {
            ["totalTokens"] = request!.PromptTokens,
            ["promptTokensDetails"] = Details(request.PromptDetails),
        };
        await WriteTextAsync(ctx, 200, WireJson.ToIndented(response)).ConfigureAwait(false);
    }

    private async ValueTask<string> ResolveAnswerAsync(ParsedRequest request, string model, CancellationToken cancellationToken)
    {
        foreach (var document in request.Documents)
        {
            if (_options.Answers.TryGetValue(document.Sha256, out var canned))
            {
                return canned;
            }
        }

        IEnumerable<IEmulatorAnswerSource> sources = _options.AnswerEmbeddedInvoices
            ? _options.AnswerSources.Append(EInvoiceAnswerSource.Instance)
            : _options.AnswerSources;
        if (_options.AnswerSources.Count > 0 || _options.AnswerEmbeddedInvoices)
        {
            var answerRequest = new EmulatorAnswerRequest(
                model,
                request.Documents,
                request.PromptText,
                request.SystemInstruction,
                request.ResponseMimeType,
                request.ResponseSchema is null ? null : JsonSerializer.SerializeToElement(request.ResponseSchema),
                request.ResponseJsonSchema is null ? null : JsonSerializer.SerializeToElement(request.ResponseJsonSchema));
            foreach (var source in sources)
            {
                var answer = await source.GetAnswerAsync(answerRequest, cancellationToken).ConfigureAwait(false);
                if (answer is not null)
                {
                    return answer;
                }
            }
        }

        var schema = request.ResponseSchema ?? request.ResponseJsonSchema;
        if (schema is not null || string.Equals(request.ResponseMimeType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            var shape = SchemaAnswerBuilder.Build(schema) ?? new JsonObject();
            return ModelFamily.PrettyPrintsJson(model) ? WireJson.ToIndented(shape) : WireJson.ToCompact(shape);
        }

        return "The Gemini emulator has no answer configured for this request.";
    }

    private static (string? Text, string FinishReason) ApplyOutcome(string answer, EmulatorFaultKind kind, int maxOutputTokens)
    {
        switch (kind)
        {
            case EmulatorFaultKind.InvalidJsonText:
                return (Half(answer), "STOP");
            case EmulatorFaultKind.MaxTokens:
                return (Half(answer), "MAX_TOKENS");
            case EmulatorFaultKind.Safety:
                return (Half(answer), "SAFETY");
            case EmulatorFaultKind.Other:
                return (null, "OTHER");
        }

        if (TokenRules.Text(answer) > maxOutputTokens)
        {
            return (TokenRules.TruncateToTokens(answer, maxOutputTokens), "MAX_TOKENS");
        }

        return (answer, "STOP");
    }

    private static string Half(string text)
    {
        var half = Math.Max(1, text.Length / 2);
        if (half < text.Length && char.IsLowSurrogate(text[half]))
        {
            half--;
        }

        return text[..Math.Min(half, text.Length)];
    }

    private void Bill(EmulatorKeyOptions key, string model, string method, string responseId, string finishReason, ParsedRequest request, int candidatesTokens, int thoughtsTokens)
    {
        var now = _time.GetUtcNow();
        Ledger.Add(sequence => new EmulatorLedgerEntry(
            sequence,
            now,
            key.EffectiveId,
            key.Key,
            key.Project,
            model,
            method,
            responseId,
            finishReason,
            request.PromptTokens,
            candidatesTokens,
            CachedContentTokenCount: 0,
            ToolUsePromptTokenCount: 0,
            thoughtsTokens,
            request.PromptTokens + candidatesTokens + thoughtsTokens,
            request.PromptDetails.ToDictionary(d => d.Modality, d => d.Tokens, StringComparer.Ordinal)));
    }

    // ---- response shapes ----

    private JsonObject BuildUnary(ParsedRequest request, string model, string responseId, string? text, string finishReason, int candidatesTokens, int thoughtsTokens, bool safetyFault)
    {
        var legacy = ModelFamily.IsLegacyShape(model);
        var candidate = new JsonObject();
        if (text is not null)
        {
            candidate["content"] = Content(text);
        }

        candidate["finishReason"] = finishReason;
        if (request.HasSafetySettings || safetyFault)
        {
            candidate["safetyRatings"] = SafetyRatings(safetyFault);
        }

        if (legacy)
        {
            // Recorded 2.0 unary answers carry avgLogprobs (streamed events do not).
            candidate["avgLogprobs"] = -NextDouble() / 10;
        }
        else
        {
            candidate["index"] = 0;
        }

        return new JsonObject
        {
            ["candidates"] = new JsonArray { candidate },
            ["usageMetadata"] = Usage(request.PromptTokens, request.PromptDetails, candidatesTokens, thoughtsTokens, legacy, final: true),
            ["modelVersion"] = model,
            ["responseId"] = responseId,
        };
    }

    private static List<JsonObject> BuildStreamEvents(ParsedRequest request, string model, string responseId, string? text, string finishReason, int candidatesTokens, int thoughtsTokens, bool safetyFault)
    {
        var legacy = ModelFamily.IsLegacyShape(model);
        var chunks = Chunk(text ?? string.Empty);
        var events = new List<JsonObject>();
        // As recorded, intermediate events report the prompt without the schema tokens; only the last is right.
        var earlyPrompt = request.PromptTokens - request.SchemaTokens;
        IReadOnlyList<(string, int)> earlyDetails = [.. request.PromptDetails.Select(d => d.Modality == "TEXT" ? (d.Modality, d.Tokens - request.SchemaTokens) : d).Where(d => d.Item2 > 0)];
        for (var i = 0; i < chunks.Count; i++)
        {
            var last = i == chunks.Count - 1;
            var candidate = new JsonObject();
            if (text is not null)
            {
                candidate["content"] = Content(chunks[i]);
            }

            if (last)
            {
                candidate["finishReason"] = finishReason;
                if (safetyFault || request.HasSafetySettings)
                {
                    candidate["safetyRatings"] = SafetyRatings(safetyFault);
                }

                if (!legacy)
                {
                    candidate["index"] = 0;
                }
            }

            events.Add(new JsonObject
            {
                ["candidates"] = new JsonArray { candidate },
                ["usageMetadata"] = last
                    ? Usage(request.PromptTokens, request.PromptDetails, candidatesTokens, thoughtsTokens, legacy, final: true)
                    : Usage(earlyPrompt, earlyDetails, 0, 0, legacy, final: false),
                ["modelVersion"] = model,
                ["responseId"] = responseId,
            });
        }

        return events;
    }

    /// <summary>Splits text into growing pieces (1, 4, 16, 64, then 256 characters), never inside a surrogate pair.</summary>
    private static List<string> Chunk(string text)
    {
        var chunks = new List<string>();
        var size = 1;
        var at = 0;
        while (at < text.Length)
        {
            var length = Math.Min(size, text.Length - at);
            if (at + length < text.Length && char.IsLowSurrogate(text[at + length]))
            {
                length++;
            }

            chunks.Add(text.Substring(at, length));
            at += length;
            size = Math.Min(size * 4, 256);
        }

        if (chunks.Count == 0)
        {
            chunks.Add(string.Empty);
        }

        return chunks;
    }

    private static JsonObject Content(string text) => new()
    {
        ["parts"] = new JsonArray { new JsonObject { ["text"] = text } },
        ["role"] = "model",
    };

    private static JsonObject Usage(int promptTokens, IReadOnlyList<(string Modality, int Tokens)> promptDetails, int candidatesTokens, int thoughtsTokens, bool legacy, bool final)
    {
        var usage = new JsonObject { ["promptTokenCount"] = promptTokens };
        if (final && candidatesTokens > 0)
        {
            usage["candidatesTokenCount"] = candidatesTokens;
        }

        usage["totalTokenCount"] = promptTokens + (final ? candidatesTokens + thoughtsTokens : 0);
        usage["promptTokensDetails"] = Details(promptDetails);
        if (final && legacy && candidatesTokens > 0)
        {
            usage["candidatesTokensDetails"] = new JsonArray { new JsonObject { ["modality"] = "TEXT", ["tokenCount"] = candidatesTokens } };
        }

        // Proto field-number order, as in the recordings: thoughts (field 10) after the details (5, 7).
        if (final && thoughtsTokens > 0)
        {
            usage["thoughtsTokenCount"] = thoughtsTokens;
        }

        return usage;
    }

    private static JsonArray Details(IReadOnlyList<(string Modality, int Tokens)> details)
    {
        var array = new JsonArray();
        foreach (var (modality, tokens) in details)
        {
            array.Add(new JsonObject { ["modality"] = modality, ["tokenCount"] = tokens });
        }

        return array;
    }

    private static JsonArray SafetyRatings(bool flagged)
    {
        var ratings = new JsonArray();
        foreach (var category in SafetyCategories)
        {
            var rating = new JsonObject { ["category"] = category, ["probability"] = flagged && category == "HARM_CATEGORY_DANGEROUS_CONTENT" ? "HIGH" : "NEGLIGIBLE" };
            if (flagged && category == "HARM_CATEGORY_DANGEROUS_CONTENT")
            {
                rating["blocked"] = true;
            }

            ratings.Add(rating);
        }

        return ratings;
    }

    private static JsonObject PromptFeedback() => new()
    {
        ["blockReason"] = "SAFETY",
        ["safetyRatings"] = new JsonArray
        {
            new JsonObject { ["category"] = "HARM_CATEGORY_SEXUALLY_EXPLICIT", ["probability"] = "NEGLIGIBLE" },
            new JsonObject { ["category"] = "HARM_CATEGORY_HATE_SPEECH", ["probability"] = "HIGH" },
            new JsonObject { ["category"] = "HARM_CATEGORY_HARASSMENT", ["probability"] = "NEGLIGIBLE" },
            new JsonObject { ["category"] = "HARM_CATEGORY_DANGEROUS_CONTENT", ["probability"] = "NEGLIGIBLE" },
        },
    };

    // ---- models ----

    private async Task ListModelsAsync(HttpContext ctx)
    {
        var (_, error) = Authenticate(ctx);
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        var list = new JsonArray();
        foreach (var model in _models.Values)
        {
            list.Add(ModelJson(model));
        }

        await WriteTextAsync(ctx, 200, WireJson.ToIndented(new JsonObject { ["models"] = list })).ConfigureAwait(false);
    }

    private async Task GetModelAsync(HttpContext ctx)
    {
        var (_, error) = Authenticate(ctx);
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        var id = (string?)ctx.GetRouteValue("rest") ?? string.Empty;
        if (!_models.TryGetValue(id, out var model))
        {
            await WriteErrorAsync(ctx, GoogleErrors.ModelNotFound(id, "get")).ConfigureAwait(false);
            return;
        }

        await WriteTextAsync(ctx, 200, WireJson.ToIndented(ModelJson(model))).ConfigureAwait(false);
    }

    private static JsonObject ModelJson(EmulatorModelOptions model)
    {
        var (major, minor) = ModelFamily.Version(model.Id);
        return new JsonObject
        {
            ["name"] = "models/" + model.Id,
            ["version"] = string.Create(CultureInfo.InvariantCulture, $"{major}.{minor}"),
            ["displayName"] = model.Id,
            ["description"] = "Served by the InvoiceOcr Gemini emulator.",
            ["inputTokenLimit"] = model.InputTokenLimit,
            ["outputTokenLimit"] = model.OutputTokenLimit,
            ["supportedGenerationMethods"] = new JsonArray { "generateContent", "countTokens" },
        };
    }

    // ---- Files API ----

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

    // ---- plumbing ----

    private (EmulatorKeyOptions? Key, GoogleError? Error) Authenticate(HttpContext ctx)
    {
        var value = ctx.Request.Headers["x-goog-api-key"].ToString();
        if (value.Length == 0)
        {
            value = ctx.Request.Query["key"].ToString();
        }

        if (value.Length == 0)
        {
            return (null, GoogleErrors.Unregistered());
        }

        if (!_keys.TryGetValue(value, out var key))
        {
            return (null, GoogleErrors.ApiKeyInvalid(value));
        }

        return key.Revoked ? (null, GoogleErrors.KeyLeaked()) : (key, null);
    }

    private async Task<(JsonObject? Body, GoogleError? Error)> ReadJsonBodyAsync(HttpContext ctx, bool allowEmpty = false)
    {
        var limit = _options.MaxRequestBytes;
        if (ctx.Request.ContentLength > limit)
        {
            return (null, GoogleErrors.PayloadTooLarge(limit));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await ctx.Request.Body.ReadAsync(chunk, ctx.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return (null, GoogleErrors.PayloadTooLarge(limit));
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0 && allowEmpty)
        {
            return (null, null);
        }

        try
        {
            var node = JsonNode.Parse(buffer.ToArray(), documentOptions: new JsonDocumentOptions { MaxDepth = 128 });
            if (node is not JsonObject)
            {
                return (null, GoogleErrors.InvalidArgument("Invalid JSON payload received. Expected an object at the top level."));
            }

            return ((JsonObject)WireJson.Normalize(node)!, null);
        }
        catch (JsonException exception)
        {
            return (null, GoogleErrors.InvalidArgument("Invalid JSON payload received. " + exception.Message));
        }
    }

    private static string BaseAddress(HttpContext ctx) => ctx.Request.Scheme + "://" + ctx.Request.Host.Value + "/";

    private static Task WriteErrorAsync(HttpContext ctx, GoogleError error) => WriteTextAsync(ctx, error.HttpStatus, WireJson.ToIndented(error.Body) + "\n");

    private static async Task WriteTextAsync(HttpContext ctx, int status, string text)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = JsonContentType;
        ctx.Response.Headers["X-Content-Type-Options"] = "nosniff";
        await ctx.Response.WriteAsync(text, Encoding.UTF8, ctx.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WritePartialThenAbortAsync(HttpContext ctx, string text)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = JsonContentType;
        await ctx.Response.WriteAsync(text[..(text.Length / 2)], Encoding.UTF8, ctx.RequestAborted).ConfigureAwait(false);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        ctx.Abort();
    }

    private static async Task WriteStreamAsync(HttpContext ctx, List<JsonObject> events, bool sse, EmulatorFaultKind fault)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = sse ? "text/event-stream" : JsonContentType;
        ctx.Response.Headers.ContentDisposition = "attachment";
        var frames = new List<string>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            frames.Add(sse
                ? "data: " + WireJson.ToSseEvent(events[i]) + "\r\n\r\n"
                : (i == 0 ? "[" : ",\r\n") + WireJson.ToIndented(events[i]) + (i == events.Count - 1 ? "]" : string.Empty));
        }

        var broken = fault is EmulatorFaultKind.ConnectionReset or EmulatorFaultKind.TruncatedBody;
        if (broken)
        {
            // Keep the first event (reset) or the first half (truncated); a single event is cut in the middle.
            var keep = fault == EmulatorFaultKind.ConnectionReset ? 1 : Math.Max(1, frames.Count / 2);
            if (frames.Count == 1)
            {
                frames[0] = frames[0][..(frames[0].Length / 2)];
            }
            else
            {
                frames.RemoveRange(keep, frames.Count - keep);
            }
        }

        foreach (var frame in frames)
        {
            await ctx.Response.WriteAsync(frame, Encoding.UTF8, ctx.RequestAborted).ConfigureAwait(false);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        }

        if (fault == EmulatorFaultKind.ConnectionReset)
        {
            ctx.Abort();
        }
    }

    private double NextDouble()
    {
        lock (_idGate)
        {
            return _ids.NextDouble();
        }
    }

    /// <summary>A response id like the real ones: base64url of random bytes, 22 characters.</summary>
    private string NewId(int length)
    {
        var bytes = new byte[(length * 3 / 4) + 1];
        lock (_idGate)
        {
            _ids.NextBytes(bytes);
        }

        return Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_').TrimEnd('=')[..length];
    }

    /// <summary>A file id like the real ones: 12 lower-case letters and digits.</summary>
    private string NewFileId()
    {
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        var chars = new char[12];
        lock (_idGate)
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = Alphabet[_ids.Next(Alphabet.Length)];
            }
        }

        return new string(chars);
    }
#pragma warning restore CA5394
}
