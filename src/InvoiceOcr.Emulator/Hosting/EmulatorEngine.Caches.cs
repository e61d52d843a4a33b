using System.Globalization;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Caching;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Hosting;

/// <summary>Explicit context caching: <c>cachedContents</c> create, get, list, patch and delete, and <c>cachedContent</c> in requests.</summary>
internal sealed partial class EmulatorEngine
{
    private static readonly TimeSpan DefaultCacheTtl = TimeSpan.FromHours(1);

    private async Task CreateCacheAsync(HttpContext ctx)
    {
        var (key, error) = Authenticate(ctx);
        var (body, bodyError) = error is null ? await ReadJsonBodyAsync(ctx).ConfigureAwait(false) : (null, null);
        error ??= bodyError;
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        var modelName = body!["model"] is JsonValue m && m.TryGetValue<string>(out var name) ? name : string.Empty;
        var model = modelName.StartsWith("models/", StringComparison.Ordinal) ? modelName["models/".Length..] : modelName;
        if (model.Length == 0)
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument("* CreateCachedContentRequest.cached_content.model: model is required.\n")).ConfigureAwait(false);
            return;
        }

        if (!_models.TryGetValue(model, out var modelOptions))
        {
            await WriteErrorAsync(ctx, GoogleErrors.ModelNotFound(model, "createCachedContent", ApiVersion(ctx))).ConfigureAwait(false);
            return;
        }

        var now = _time.GetUtcNow();
        var (expire, expiryError) = Expiry(body, now, DefaultCacheTtl);
        if (expiryError is not null)
        {
            await WriteErrorAsync(ctx, expiryError).ConfigureAwait(false);
            return;
        }

        // The cached prompt is counted like a request's: contents (and the system instruction) by the same rules.
        var prompt = new JsonObject { ["contents"] = body["contents"]?.DeepClone() };
        if (body["systemInstruction"] is JsonObject system)
        {
            prompt["systemInstruction"] = system.DeepClone();
        }

        var (parsed, parseError) = RequestParser.Parse(prompt, model, key!.Project, Files, now);
        if (parseError is not null)
        {
            await WriteErrorAsync(ctx, parseError).ConfigureAwait(false);
            return;
        }

        var minimum = modelOptions.MinCacheTokens ?? ModelFamily.MinCacheTokens(model);
        if (parsed!.PromptTokens < minimum)
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument(string.Create(CultureInfo.InvariantCulture,
                $"Cached content is too small. total_token_count={parsed.PromptTokens}, min_total_token_count={minimum}"))).ConfigureAwait(false);
            return;
        }

        var entry = new CachedContentEntry
        {
            Id = NewFileId(),
            Project = key.Project,
            KeyId = key.EffectiveId,
            Model = model,
            DisplayName = body["displayName"] is JsonValue d && d.TryGetValue<string>(out var display) ? display : null,
            Details = parsed.PromptDetails,
            CreateTime = now,
            UpdateTime = now,
            ExpireTime = expire!.Value,
        };
        Caches.Add(entry);
        await WriteTextAsync(ctx, 200, WireJson.ToIndented(entry.ToJson())).ConfigureAwait(false);
    }

    private async Task GetCacheAsync(HttpContext ctx)
    {
        var (entry, _, error) = FindCache(ctx);
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        await WriteTextAsync(ctx, 200, WireJson.ToIndented(entry!.ToJson())).ConfigureAwait(false);
    }

    private async Task ListCachesAsync(HttpContext ctx)
    {
        var (key, error) = Authenticate(ctx);
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        var (page, next, pageError) = Paging.Page(Caches.List(key!.Project), ctx, defaultSize: 50, maxSize: 1000);
        if (pageError is not null)
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument(pageError)).ConfigureAwait(false);
            return;
        }

        var json = new JsonObject();
        if (page.Count > 0)
        {
            json["cachedContents"] = new JsonArray([.. page.Select(c => (JsonNode)c.ToJson())]);
        }

        if (next is not null)
        {
            json["nextPageToken"] = next;
        }

        await WriteTextAsync(ctx, 200, WireJson.ToIndented(json)).ConfigureAwait(false);
    }

    /// <summary><c>PATCH cachedContents/{id}</c>: only the expiry (<c>ttl</c> or <c>expireTime</c>) can change, as on the real service.</summary>
    private async Task UpdateCacheAsync(HttpContext ctx)
    {
        var (entry, _, error) = FindCache(ctx);
        var (body, bodyError) = error is null ? await ReadJsonBodyAsync(ctx).ConfigureAwait(false) : (null, null);
        error ??= bodyError;
        if (error is null && body!["ttl"] is null && body["expireTime"] is null)
        {
            error = GoogleErrors.InvalidArgument("* UpdateCachedContentRequest.cached_content: only ttl or expire_time can be updated.\n");
        }

        var now = _time.GetUtcNow();
        var (expire, expiryError) = error is null ? Expiry(body!, now, DefaultCacheTtl) : (null, null);
        error ??= expiryError;
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        Caches.SetExpiry(entry!, expire!.Value);
        await WriteTextAsync(ctx, 200, WireJson.ToIndented(entry!.ToJson())).ConfigureAwait(false);
    }

    private async Task DeleteCacheAsync(HttpContext ctx)
    {
        var (entry, key, error) = FindCache(ctx);
        if (error is null && !Caches.Delete(entry!.Id, key!.Project))
        {
            error = CacheNotFound();
        }

        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        await WriteTextAsync(ctx, 200, "{}\n").ConfigureAwait(false);
    }

    private (CachedContentEntry? Entry, EmulatorKeyOptions? Key, GoogleError? Error) FindCache(HttpContext ctx)
    {
        var (key, error) = Authenticate(ctx);
        if (error is not null)
        {
            return (null, null, error);
        }

        var entry = Caches.Find((string?)ctx.GetRouteValue("id") ?? string.Empty, key!.Project);
        return entry is null ? (null, key, CacheNotFound()) : (entry, key, null);
    }

    /// <summary>Applies <c>cachedContent</c> of a generate request: the cache's tokens join the prompt and are billed as cached.</summary>
    private (ParsedRequest? Request, GoogleError? Error) WithExplicitCache(JsonObject body, ParsedRequest request, string model, string project)
    {
        if (body["cachedContent"] is not JsonValue value || !value.TryGetValue<string>(out var name) || name.Length == 0)
        {
            return (request, null);
        }

        if (body["systemInstruction"] is not null || body["tools"] is not null || body["toolConfig"] is not null)
        {
            return (null, GoogleErrors.InvalidArgument("CachedContent can not be used with GenerateContent request setting system_instruction, tools or tool_config.\n\nProposed fix: move those values to CachedContent from GenerateContent request."));
        }

        var entry = name.StartsWith("cachedContents/", StringComparison.Ordinal) ? Caches.Find(name["cachedContents/".Length..], project) : null;
        if (entry is null)
        {
            return (null, CacheNotFound());
        }

        if (entry.Model != model)
        {
            return (null, GoogleErrors.InvalidArgument($"Model used by GenerateContent request (models/{model}) and CachedContent (models/{entry.Model}) has to be the same."));
        }

        var merged = new List<(string Modality, int Tokens)>();
        foreach (var (modality, tokens) in entry.Details.Concat(request.PromptDetails))
        {
            var index = merged.FindIndex(d => d.Modality == modality);
            merged = index < 0 ? [.. merged, (modality, tokens)] : [.. merged.Select((d, i) => i == index ? (d.Modality, d.Tokens + tokens) : d)];
        }

        // TEXT first, as in every promptTokensDetails.
        merged = [.. merged.Where(d => d.Modality == "TEXT"), .. merged.Where(d => d.Modality != "TEXT")];
        return (request with { PromptDetails = merged, ExplicitCache = entry.Details }, null);
    }

    private static GoogleError CacheNotFound() => GoogleErrors.Simple(403, "PERMISSION_DENIED", "CachedContent not found (or permission denied)");

    /// <summary>The expiry from <c>expireTime</c> (RFC 3339) or <c>ttl</c> (a protobuf Duration such as <c>"300s"</c>).</summary>
    private static (DateTimeOffset? ExpireTime, GoogleError? Error) Expiry(JsonObject body, DateTimeOffset now, TimeSpan defaultTtl)
    {
        if (body["expireTime"] is JsonValue expireValue)
        {
            return expireValue.TryGetValue<string>(out var text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expire) && expire > now
                ? (expire, null)
                : (null, GoogleErrors.InvalidArgument("expire_time must be an RFC 3339 timestamp in the future."));
        }

        if (body["ttl"] is JsonValue ttlValue)
        {
            if (ttlValue.TryGetValue<string>(out var ttl) && ttl.EndsWith('s')
                && double.TryParse(ttl[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            {
                return (now + TimeSpan.FromSeconds(seconds), null);
            }

            return (null, GoogleErrors.InvalidArgument("Invalid value at 'cached_content.ttl' (type.googleapis.com/google.protobuf.Duration), Field 'ttl', Illegal duration format; duration must end with 's'"));
        }

        return (now + defaultTtl, null);
    }
}
