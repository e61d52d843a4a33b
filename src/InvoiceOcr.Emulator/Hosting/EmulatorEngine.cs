using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Caching;
using InvoiceOcr.Emulator.Faults;
using InvoiceOcr.Emulator.Files;
using InvoiceOcr.Emulator.Quotas;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Hosting;

/// <summary>The emulator's request handling: auth, validation, quotas, faults, answers, billing and the wire formats.</summary>
internal sealed partial class EmulatorEngine
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
