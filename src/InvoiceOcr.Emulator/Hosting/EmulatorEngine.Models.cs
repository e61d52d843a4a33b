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
}
