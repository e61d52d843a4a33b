using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using InvoiceOcr.Emulator.Caching;
using InvoiceOcr.Emulator.Files;
using InvoiceOcr.Emulator.Tokens;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Hosting;

/// <summary>
/// Validates a normalized (camelCase) <c>GenerateContentRequest</c>, resolves inline data and uploaded files and counts
/// prompt tokens by the documented rules. Text parts, the system instruction and the response schema count as TEXT.
/// </summary>
internal static partial class RequestParser
{
    private static readonly HashSet<string> TextDocumentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "text/plain", "text/html", "text/css", "text/csv", "text/xml", "text/rtf", "text/md", "text/markdown",
        "application/x-javascript", "text/javascript", "application/x-python", "text/x-python", "application/json", "application/xml",
    };

    public static (ParsedRequest? Request, GoogleError? Error) Parse(JsonObject root, string model, string project, FileStore files, DateTimeOffset now)
    {
        try
        {
            return ParseCore(root, model, project, files, now);
        }
        catch (Exception exception) when (exception is InvalidOperationException or FormatException or JsonException)
        {
            // A field of the wrong JSON type, e.g. "mimeType": 5.
            return Fail("Invalid JSON payload received. " + exception.Message);
        }
    }

    private static (ParsedRequest? Request, GoogleError? Error) ParseCore(JsonObject root, string model, string project, FileStore files, DateTimeOffset now)
    {
        if (root["contents"] is not JsonArray contents || contents.Count == 0)
        {
            return Fail("* GenerateContentRequest.contents: contents is not specified\n");
        }

        var details = new List<(string Modality, int Tokens)> { ("TEXT", 0) };
        var documents = new List<EmulatorDocument>();
        var prompt = new StringBuilder();
        var documentModality = ModelFamily.PdfModality(model);
        var segments = new List<PromptSegment>();

        void AddTokens(string modality, int tokens)
        {
            var index = details.FindIndex(d => d.Modality == modality);
            if (index < 0)
            {
                details.Add((modality, tokens));
            }
            else
            {
                details[index] = (modality, details[index].Tokens + tokens);
            }
        }

        for (var c = 0; c < contents.Count; c++)
        {
            if (contents[c] is not JsonObject content)
            {
                return Fail($"Invalid value at 'contents[{c}]' (type.googleapis.com/google.ai.generativelanguage.v1beta.Content), expected an object.");
            }

            if (content["role"] is JsonValue roleValue && (!roleValue.TryGetValue<string>(out var role) || role is not ("user" or "model" or "function" or "")))
            {
                return Fail($"Please use a valid role: user, model.");
            }

            if (content["parts"] is not JsonArray parts || parts.Count == 0)
            {
                return Fail($"* GenerateContentRequest.contents[{c}].parts: contents.parts must not be empty.\n");
            }

            for (var p = 0; p < parts.Count; p++)
            {
                var where = $"contents[{c}].parts[{p}]";
                if (parts[p] is not JsonObject part)
                {
                    return Fail($"Invalid value at '{where}', expected an object.");
                }

                if (part["text"] is JsonValue textValue && textValue.TryGetValue<string>(out var text))
                {
                    prompt.Append(text);
                    var tokens = TokenRules.Text(text);
                    AddTokens("TEXT", tokens);
                    segments.Add(PromptSegment.Of("TEXT", tokens, "text", text));
                }
                else if (part["inlineData"] is JsonObject inline)
                {
                    var mime = inline["mimeType"]?.GetValue<string>();
                    var data = inline["data"]?.GetValue<string>();
                    if (string.IsNullOrEmpty(mime))
                    {
                        return Fail($"* GenerateContentRequest.{where}.inline_data.mime_type: mime_type is not specified\n");
                    }

                    byte[] bytes;
                    try
                    {
                        bytes = Convert.FromBase64String(data ?? string.Empty);
                    }
                    catch (FormatException)
                    {
                        return Fail($"Invalid value at '{where}.inline_data.data' (TYPE_BYTES), Base64 decoding failed.");
                    }

                    var error = AddDocument(mime, bytes, documentModality, documents, AddTokens, segments);
                    if (error is not null)
                    {
                        return (null, error);
                    }
                }
                else if (part["fileData"] is JsonObject fileData)
                {
                    var uri = fileData["fileUri"]?.GetValue<string>() ?? string.Empty;
                    var match = FileUriPattern().Match(uri);
                    if (!match.Success)
                    {
                        return Fail($"Invalid or unsupported file uri: {uri}");
                    }

                    var id = match.Groups["id"].Value;
                    var file = files.Find(id, project);
                    if (file is null)
                    {
                        return (null, GoogleErrors.FileNotFound(id));
                    }

                    if (!file.IsActive(now))
                    {
                        return (null, GoogleErrors.FailedPrecondition($"The File {id} is not in an ACTIVE state and usage is not allowed."));
                    }

                    var mime = fileData["mimeType"]?.GetValue<string>() is { Length: > 0 } declared ? declared : file.MimeType;
                    var error = AddDocument(mime, file.Data, documentModality, documents, AddTokens, segments);
                    if (error is not null)
                    {
                        return (null, error);
                    }
                }
                else if (part.Count > 0)
                {
                    // functionCall, functionResponse, executableCode…: their JSON counts as text.
                    var json = WireJson.ToCompact(part);
                    var tokens = TokenRules.Text(json);
                    AddTokens("TEXT", tokens);
                    segments.Add(PromptSegment.Of("TEXT", tokens, "part", json));
                }
                else
                {
                    return Fail($"* GenerateContentRequest.{where}.data: required oneof field 'data' must have one initialized field\n");
                }
            }
        }

        string? system = null;
        if (root["systemInstruction"] is JsonObject systemInstruction)
        {
            var builder = new StringBuilder();
            if (systemInstruction["parts"] is JsonArray systemParts)
            {
                foreach (var part in systemParts.OfType<JsonObject>())
                {
                    if (part["text"] is JsonValue value && value.TryGetValue<string>(out var text))
                    {
                        builder.Append(text);
                    }
                }
            }

            system = builder.ToString();
            AddTokens("TEXT", TokenRules.Text(system));
        }

        // The cacheable prefix starts with what is the same on every call of an application: the system instruction
        // and the response schema, then the contents in order.
        var prefix = new List<PromptSegment>();
        if (system is not null)
        {
            prefix.Add(PromptSegment.Of("TEXT", TokenRules.Text(system), "system", system));
        }

        var config = root["generationConfig"] as JsonObject;
        if (root["generationConfig"] is not null and not JsonObject)
        {
            return Fail("Invalid value at 'generation_config', expected an object.");
        }

        var schema = config?["responseSchema"];
        var jsonSchema = config?["responseJsonSchema"];
        if (schema is not null && jsonSchema is not null)
        {
            return Fail("* GenerateContentRequest.generation_config: only one of response_schema and response_json_schema may be set.\n");
        }

        var mimeType = config?["responseMimeType"]?.GetValue<string>();
        if ((schema is not null || jsonSchema is not null) && !string.Equals(mimeType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            return Fail("* GenerateContentRequest.generation_config.response_mime_type: response_mime_type must be application/json when a response schema is set.\n");
        }

        int? maxOutput = null;
        if (config?["maxOutputTokens"] is JsonValue maxValue)
        {
            if (!maxValue.TryGetValue<int>(out var max) || max < 1)
            {
                return Fail("* GenerateContentRequest.generation_config.max_output_tokens: max_output_tokens must be a positive integer.\n");
            }

            maxOutput = max;
        }

        var schemaTokens = schema ?? jsonSchema;
        var schemaTokenCount = schemaTokens is null ? 0 : TokenRules.Text(WireJson.ToCompact(schemaTokens));
        AddTokens("TEXT", schemaTokenCount);
        if (schemaTokens is not null)
        {
            prefix.Add(PromptSegment.Of("TEXT", schemaTokenCount, "schema", WireJson.ToCompact(schemaTokens)));
        }

        prefix.AddRange(segments);

        var thinking = config?["thinkingConfig"] as JsonObject;
        int? thinkingBudget = null;
        if (thinking?["thinkingBudget"] is JsonValue budgetValue)
        {
            if (!budgetValue.TryGetValue<int>(out var budget) || budget < -1)
            {
                return Fail("* GenerateContentRequest.generation_config.thinking_config.thinking_budget: thinking_budget must be -1 (dynamic), 0 (off) or a positive integer.\n");
            }

            thinkingBudget = budget;
        }

        if (thinkingBudget == 0 && ModelFamily.AlwaysThinks(model))
        {
            return Fail("Budget 0 is invalid. This model only works in thinking mode.");
        }

        var promptDetails = details.Where(d => d.Tokens > 0).ToList();
        return (new ParsedRequest
        {
            Documents = documents,
            PromptText = prompt.ToString(),
            SystemInstruction = system,
            ResponseMimeType = mimeType,
            ResponseSchema = schema,
            ResponseJsonSchema = jsonSchema,
            MaxOutputTokens = maxOutput,
            HasSafetySettings = root["safetySettings"] is JsonArray { Count: > 0 },
            PromptDetails = promptDetails,
            SchemaTokens = schemaTokenCount,
            Segments = prefix,
            ThinkingBudget = thinkingBudget,
            IncludeThoughts = thinking?["includeThoughts"] is JsonValue include && include.TryGetValue<bool>(out var on) && on,
        }, null);
    }

    private static GoogleError? AddDocument(string mime, byte[] bytes, string pdfModality, List<EmulatorDocument> documents, Action<string, int> addTokens, List<PromptSegment> segments)
    {
        var baseMime = mime.Split(';')[0].Trim();
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
        void Add(string modality, int tokens)
        {
            addTokens(modality, tokens);
            segments.Add(PromptSegment.Of(modality, tokens, "document", sha256));
        }

        if (string.Equals(baseMime, "application/pdf", StringComparison.OrdinalIgnoreCase))
        {
            var pages = PdfPageCounter.TryCount(bytes);
            if (pages is null or 0)
            {
                return GoogleErrors.InvalidArgument("The document has no pages.");
            }

            Add(pdfModality, TokenRules.PdfPages(pages.Value));
        }
        else if (baseMime.StartsWith("image/", StringComparison.OrdinalIgnoreCase))
        {
            if (!ImageDimensions.TryRead(bytes, out var width, out var height))
            {
                return GoogleErrors.InvalidArgument("Unable to process input image. Please retry or report in https://developers.generativeai.google/guide/troubleshooting");
            }

            Add("IMAGE", TokenRules.Image(width, height));
        }
        else if (TextDocumentTypes.Contains(baseMime))
        {
            Add("TEXT", TokenRules.Text(bytes.LongLength));
        }
        else
        {
            return GoogleErrors.InvalidArgument(string.Create(CultureInfo.InvariantCulture, $"Unsupported MIME type: {baseMime}"));
        }

        documents.Add(new EmulatorDocument(baseMime, bytes, sha256));
        return null;
    }

    private static (ParsedRequest?, GoogleError?) Fail(string message) => (null, GoogleErrors.InvalidArgument(message));

    [GeneratedRegex(@"(?:^|/)files/(?<id>[a-z0-9][a-z0-9\-]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex FileUriPattern();
}

/// <summary>What the model id says about the response format (2.0 vs 2.5 vs 3.x behaviour seen in recordings).</summary>
internal static partial class ModelFamily
{
    /// <summary>The major version: 2 for <c>gemini-2.5-flash</c>, 3 for <c>gemini-3-pro-preview</c>; 2 when unknown.</summary>
    public static (int Major, int Minor) Version(string model)
    {
        var match = VersionPattern().Match(model);
        if (!match.Success)
        {
            return (2, 5);
        }

        var major = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var minor = match.Groups[2].Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        return (major, minor);
    }

    /// <summary>PDF pages are DOCUMENT tokens on 2.x and earlier, IMAGE tokens from Gemini 3 on.</summary>
    public static string PdfModality(string model) => Version(model).Major >= 3 ? "IMAGE" : "DOCUMENT";

    /// <summary>2.0 and older answers carry <c>avgLogprobs</c> and <c>candidatesTokensDetails</c> but no <c>index</c> (as recorded).</summary>
    public static bool IsLegacyShape(string model) => Version(model) is { Major: < 2 } or { Major: 2, Minor: 0 };

    /// <summary>Pro models cannot switch thinking off (<c>thinkingBudget: 0</c> is rejected).</summary>
    public static bool AlwaysThinks(string model) => model.Contains("-pro", StringComparison.Ordinal) && Version(model).Major >= 2 && Version(model) is not { Major: 2, Minor: 0 };

    /// <summary>Implicit caching is on for Gemini 2.5 and newer (the documented default).</summary>
    public static bool HasImplicitCaching(string model) => Version(model) is { Major: > 2 } or { Major: 2, Minor: >= 5 };

    /// <summary>The documented minimum cacheable prompt size: 4096 tokens on Pro models and on 2.0, 1024 on Flash 2.5+.</summary>
    public static int MinCacheTokens(string model) =>
        model.Contains("-pro", StringComparison.Ordinal) || Version(model) is { Major: < 2 } or { Major: 2, Minor: 0 } ? 4096 : 1024;

    /// <summary>3.x models format JSON answers compactly; older ones pretty-print them.</summary>
    public static bool PrettyPrintsJson(string model) => Version(model).Major < 3;

    [GeneratedRegex(@"^gemini-(\d+)(?:\.(\d+))?", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}
