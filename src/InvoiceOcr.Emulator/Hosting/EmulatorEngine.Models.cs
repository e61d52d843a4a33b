using System.Globalization;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Hosting;

/// <summary><c>models.list</c> and <c>models.get</c>.</summary>
internal sealed partial class EmulatorEngine
{
    private async Task ListModelsAsync(HttpContext ctx)
    {
        var (_, error) = Authenticate(ctx);
        if (error is not null)
        {
            await WriteErrorAsync(ctx, error).ConfigureAwait(false);
            return;
        }

        var (page, next, pageError) = Paging.Page([.. _models.Values], ctx, defaultSize: 50, maxSize: 1000);
        if (pageError is not null)
        {
            await WriteErrorAsync(ctx, GoogleErrors.InvalidArgument(pageError)).ConfigureAwait(false);
            return;
        }

        var json = new JsonObject { ["models"] = new JsonArray([.. page.Select(m => (JsonNode)ModelJson(m))]) };
        if (next is not null)
        {
            json["nextPageToken"] = next;
        }

        await WriteTextAsync(ctx, 200, WireJson.ToIndented(json)).ConfigureAwait(false);
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
            await WriteErrorAsync(ctx, GoogleErrors.ModelNotFound(id, "get", ApiVersion(ctx))).ConfigureAwait(false);
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
            ["supportedGenerationMethods"] = new JsonArray { "generateContent", "countTokens", "createCachedContent", "batchGenerateContent" },
        };
    }
}
