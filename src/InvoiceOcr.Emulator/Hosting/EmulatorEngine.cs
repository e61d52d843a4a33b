using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Batches;
using InvoiceOcr.Emulator.Caching;
using InvoiceOcr.Emulator.Faults;
using InvoiceOcr.Emulator.Files;
using InvoiceOcr.Emulator.Quotas;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Hosting;

/// <summary>The emulator's request handling: auth, validation, quotas, faults, answers, billing and the wire formats.</summary>
internal sealed partial class EmulatorEngine : IDisposable
{
    private const string JsonContentType = "application/json; charset=UTF-8";
    private static readonly string[] SafetyCategories =
        ["HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_DANGEROUS_CONTENT", "HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_SEXUALLY_EXPLICIT"];

    private static readonly JsonSerializerOptions LedgerJson = new(JsonSerializerDefaults.Web) { WriteIndented = true, Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
    private static readonly JsonSerializerOptions FaultJson = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    private readonly GeminiEmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, EmulatorKeyOptions> _keys;
    private readonly Dictionary<string, EmulatorModelOptions> _models;
    private readonly QuotaTracker _quotas;
    private readonly ImplicitCache _implicitCache;
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
        _implicitCache = new ImplicitCache(timeProvider, options.ImplicitCacheWindow);
        Caches = new CacheStore(timeProvider, Ledger);
        _ids = new Random(options.Seed);
        Faults = new FaultPlanner(options.Faults, options.Seed);
        Files = new FileStore(timeProvider, options, () => NewId(22), () => NewFileId());
    }

    public EmulatorLedger Ledger { get; } = new();

    public FaultPlanner Faults { get; }

    public FileStore Files { get; }

    public CacheStore Caches { get; }

    public BatchStore Batches { get; } = new();

    public void Map(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder app)
    {
        // As on the real service: models (generate, stream, count, get, list) exist in v1 and v1beta; files, caches and
        // batches only in v1beta, so under v1 they get the JSON 404 of an unknown method.
        foreach (var version in (string[])["v1", "v1beta"])
        {
            app.MapPost($"/{version}/models/{{**rest}}", PostModelAsync);
            app.MapGet($"/{version}/models", ListModelsAsync);
            app.MapGet($"/{version}/models/{{**rest}}", GetModelAsync);
        }

        app.MapGet("/v1beta/batches", ListBatchesAsync);
        app.MapGet("/v1beta/batches/{id}", GetBatchAsync);
        app.MapPost("/v1beta/batches/{id}", PostBatchAsync);
        app.MapDelete("/v1beta/batches/{id}", DeleteBatchAsync);
        app.MapGet("/download/v1beta/files/{id}", GetFileAsync);
        app.MapPost("/v1beta/cachedContents", CreateCacheAsync);
        app.MapGet("/v1beta/cachedContents", ListCachesAsync);
        app.MapGet("/v1beta/cachedContents/{id}", GetCacheAsync);
        app.MapPatch("/v1beta/cachedContents/{id}", UpdateCacheAsync);
        app.MapDelete("/v1beta/cachedContents/{id}", DeleteCacheAsync);
        app.MapPost("/upload/v1beta/files", UploadAsync);
        app.MapGet("/v1beta/files", ListFilesAsync);
        app.MapGet("/v1beta/files/{id}", GetFileAsync);
        app.MapDelete("/v1beta/files/{id}", DeleteFileAsync);
        app.MapGet("/emulator/ledger", ctx => WriteTextAsync(ctx, 200, JsonSerializer.Serialize(new
        {
            entries = Ledger.Entries,
            totalsByKey = Ledger.TotalsByKey(),
            totalsByProject = Ledger.TotalsByProject(),
            cacheStorage = Ledger.CacheStorage,
        }, LedgerJson)));
        app.MapDelete("/emulator/ledger", ctx =>
        {
            Ledger.Clear();
            return WriteTextAsync(ctx, 200, "{}\n");
        });
        app.MapPost("/emulator/faults", InjectFaultAsync);
        app.MapPost("/emulator/batch-ends", ScriptBatchEndAsync);
    }

    /// <summary><c>POST /emulator/batch-ends</c> with <c>{"state":"Expired","completedRequests":2,"returnCompletedResults":true}</c> scripts how the next batch accepted ends.</summary>
    private async Task ScriptBatchEndAsync(HttpContext ctx)
    {
        EmulatorBatchEnd? end;
        try
        {
            end = await JsonSerializer.DeserializeAsync<EmulatorBatchEnd>(ctx.Request.Body, FaultJson, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument("Invalid batch end: " + exception.Message)).ConfigureAwait(false);
            return;
        }

        if (end is null || end.CompletedRequests < 0 || !Enum.IsDefined(end.State))
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument("Send {\"state\": \"Expired|Failed|Cancelled\", \"completedRequests\": N >= 0, \"returnCompletedResults\": true|false}.")).ConfigureAwait(false);
            return;
        }

        Batches.ScriptEnd(end);
        await WriteTextAsync(ctx, 200, "{}\n").ConfigureAwait(false);
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

    private async Task<(JsonObject? Body, GoogleError? Error)> ReadJsonBodyAsync(HttpContext ctx, bool allowEmpty = false, long? maxBytes = null)
    {
        var limit = Math.Min(maxBytes ?? long.MaxValue, _options.MaxRequestBytes);
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

    /// <summary>The API version of the request path (<c>v1</c> or <c>v1beta</c>), for version-specific messages.</summary>
    private static string ApiVersion(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? string.Empty;
        return path.StartsWith("/v1/", StringComparison.Ordinal) || path.StartsWith("/upload/v1/", StringComparison.Ordinal) ? "v1" : "v1beta";
    }

    /// <summary>
    /// Gives unknown routes and methods Google's JSON error (the client libraries parse it) instead of an empty 404/405.
    /// </summary>
    public static async Task GoogleShapedNotFoundAsync(HttpContext ctx, Func<Task> next)
    {
        ctx.Items[StartedItem] = System.Diagnostics.Stopwatch.GetTimestamp();
        await next().ConfigureAwait(false);
        if (!ctx.Response.HasStarted && ctx.Response.StatusCode is 404 or 405 && ctx.Response.ContentLength is null or 0 && ctx.Response.ContentType is null)
        {
            await WriteErrorAsync(ctx, GoogleErrors.Simple(404, "NOT_FOUND", "Method not found.")).ConfigureAwait(false);
        }
    }

    private static string BaseAddress(HttpContext ctx) => ctx.Request.Scheme + "://" + ctx.Request.Host.Value + "/";

    private static Task WriteErrorAsync(HttpContext ctx, GoogleError error) => WriteTextAsync(ctx, error.HttpStatus, WireJson.ToIndented(error.Body) + "\n");

    private static async Task WriteTextAsync(HttpContext ctx, int status, string text)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = JsonContentType;
        GoogleHeaders(ctx);
        await ctx.Response.WriteAsync(text, Encoding.UTF8, ctx.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The response headers recorded on the real service (GEMINI_NOTES.md A.1), on every answer.</summary>
    private static void GoogleHeaders(HttpContext ctx)
    {
        var headers = ctx.Response.Headers;
        headers["Vary"] = "Origin, X-Origin, Referer";
        headers["Server"] = "scaffolding on HTTPServer2";
        headers["X-XSS-Protection"] = "0";
        headers["X-Frame-Options"] = "SAMEORIGIN";
        headers["X-Content-Type-Options"] = "nosniff";
        if (ctx.Items.TryGetValue(StartedItem, out var started) && started is long ticks)
        {
            var elapsed = (long)System.Diagnostics.Stopwatch.GetElapsedTime(ticks).TotalMilliseconds;
            headers["Server-Timing"] = "gfet4t7; dur=" + elapsed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private const string StartedItem = "invoiceocr.started";


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
