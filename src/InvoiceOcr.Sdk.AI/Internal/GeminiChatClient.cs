using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.AI.Internal;

/// <summary>
/// The Gemini <see cref="IChatClient"/>: maps a chat request to a <see cref="ModelRequest"/> and runs it with
/// <see cref="IModelCallRunner"/> (core's public seam), so every call is leased, reserved, retried, settled and recorded for
/// the company the options or the ambient <see cref="InvoiceOcrChatScope"/> name. No company is an error, never a default.
/// </summary>
internal sealed class GeminiChatClient : IChatClient
{
    /// <summary>The OpenTelemetry GenAI provider name of Gemini's API.</summary>
    public const string ProviderName = "gcp.gemini";

    private static readonly HashSet<string> FilteredFinishReasons = new(StringComparer.OrdinalIgnoreCase)
    {
        "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
    };

    private readonly IModelCallRunner _runner;
    private readonly IOptionsMonitor<GeminiOptions> _options;
    private readonly TimeProvider _timeProvider;

    public GeminiChatClient(IModelCallRunner runner, IOptionsMonitor<GeminiOptions> options, TimeProvider timeProvider)
    {
        _runner = runner;
        _options = options;
        _timeProvider = timeProvider;
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var caller = ResolveCaller(options);
        var request = ToRequest(messages, options);
        var response = await _runner.CallAsync(request, caller, cancellationToken).ConfigureAwait(false);
        return ToChatResponse(response);
    }

    /// <summary>
    /// The pipeline makes one unary call (its retries, settlement and ledger row are per whole answer), so streaming runs the
    /// call and yields its answer as updates: the text, then the usage and finish reason. Nothing arrives before the answer is complete.
    /// </summary>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(ChatClientMetadata))
        {
            var options = _options.CurrentValue;
            return new ChatClientMetadata(ProviderName, options.BaseAddress, options.Model);
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    public void Dispose()
    {
        // The runner and its pipeline belong to the service provider.
    }

    /// <summary>The paying caller: the options' company, else the ambient scope's; both naming different companies, or neither, is refused.</summary>
    internal static ExtractionContext ResolveCaller(ChatOptions? options)
    {
        var properties = options?.AdditionalProperties;
        var company = Read(properties, InvoiceOcrChatProperties.CompanyId);
        var ambient = InvoiceOcrChatScope.Current;
        if (company is not null && ambient is not null && !string.Equals(company, ambient.CompanyId, StringComparison.Ordinal))
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.BadRequest,
                $"The chat options name company '{company}' but the ambient InvoiceOcrChatScope is company '{ambient.CompanyId}'; the call is refused rather than billed to either.");
        }

        var caller = company is not null ? new ExtractionContext(company) { RequestedBy = ambient?.RequestedBy, Branch = ambient?.Branch } : ambient;
        if (caller is null)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.BadRequest,
                $"The chat call names no company: set ChatOptions.AdditionalProperties[\"{InvoiceOcrChatProperties.CompanyId}\"] or start an InvoiceOcrChatScope. Calls are never billed to a default company.");
        }

        return caller with
        {
            RequestedBy = Read(properties, InvoiceOcrChatProperties.RequestedBy) ?? caller.RequestedBy,
            Branch = Read(properties, InvoiceOcrChatProperties.Branch) ?? caller.Branch,
            IdempotencyKey = Read(properties, InvoiceOcrChatProperties.IdempotencyKey) ?? caller.IdempotencyKey,
        };
    }

    internal static ModelRequest ToRequest(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var instructions = new List<string>();
        if (options?.Instructions is { Length: > 0 } optionInstructions)
        {
            instructions.Add(optionInstructions);
        }

        var turns = new List<ModelContent>();
        foreach (var message in messages)
        {
            if (message.Role == ChatRole.System)
            {
                instructions.AddRange(message.Contents.OfType<TextContent>().Select(static t => t.Text).Where(static t => t.Length > 0));
                continue;
            }

            ModelRole role;
            if (message.Role == ChatRole.User)
            {
                role = ModelRole.User;
            }
            else if (message.Role == ChatRole.Assistant)
            {
                role = ModelRole.Model;
            }
            else
            {
                throw new NotSupportedException($"Messages of role '{message.Role}' are not supported: the SDK's chat client sends text and data only (no tools).");
            }

            var parts = new List<ModelPart>(message.Contents.Count);
            foreach (var content in message.Contents)
            {
                switch (content)
                {
                    case TextContent text when text.Text.Length > 0:
                        parts.Add(ModelPart.FromText(text.Text));
                        break;
                    case TextContent or TextReasoningContent or UsageContent:
                        // Empty text, an earlier answer's thoughts and usage are not sent back.
                        break;
                    case DataContent data:
                        parts.Add(ModelPart.FromData(data.Data, data.MediaType));
                        break;
                    default:
                        throw new NotSupportedException($"{content.GetType().Name} is not supported: the SDK's chat client sends text and inline data only (no URIs, tools or function calls).");
                }
            }

            if (parts.Count > 0)
            {
                turns.Add(new ModelContent(role, parts));
            }
        }

        if (turns.Count == 0)
        {
            throw new ArgumentException("The messages hold no user or assistant content to send.", nameof(messages));
        }

        if (options?.Tools is { Count: > 0 })
        {
            throw new NotSupportedException("Tools are not supported: the SDK's chat client sends text and inline data only.");
        }

        JsonElement? schema = null;
        var json = false;
        if (options?.ResponseFormat is ChatResponseFormatJson format)
        {
            json = true;
            schema = WithoutSchemaKeyword(format.Schema);
        }

        return new ModelRequest(turns)
        {
            SystemInstruction = instructions.Count == 0 ? null : string.Join("\n\n", instructions),
            ResponseJsonSchema = schema,
            JsonResponse = json,
            Model = options?.ModelId,
            MaxOutputTokens = options?.MaxOutputTokens,
            Temperature = options?.Temperature,
            TopP = options?.TopP,
            TopK = options?.TopK,
            StopSequences = options?.StopSequences is { Count: > 0 } stops ? [.. stops] : null,
            Seed = options?.Seed is { } seed ? checked((int)seed) : null,
        };
    }

    private ChatResponse ToChatResponse(ModelResponse response)
    {
        var usage = response.Usage;
        var chat = new ChatResponse(new ChatMessage(ChatRole.Assistant, response.Text) { MessageId = response.ResponseId })
        {
            ResponseId = response.ResponseId,
            ModelId = response.ModelVersion ?? response.Model,
            CreatedAt = _timeProvider.GetUtcNow(),
            FinishReason = ToFinishReason(response.FinishReason),
            Usage = ToUsageDetails(usage),
            AdditionalProperties = new()
            {
                ["invoiceocr.operation_id"] = response.OperationId,
                ["invoiceocr.attempts"] = response.Attempts,
                ["invoiceocr.replay"] = response.IsReplay,
            },
        };
        if (response.KeyId is { } keyId)
        {
            chat.AdditionalProperties["invoiceocr.key_id"] = keyId;
        }

        if (usage.RawUsageJson is { } raw)
        {
            chat.AdditionalProperties["gemini.usage_metadata"] = raw;
        }

        return chat;
    }

    /// <summary>
    /// The billed usage in M.E.AI's terms: output counts the thoughts (billed as output, as OpenAI's completion tokens count
    /// reasoning), with <see cref="UsageDetails.ReasoningTokenCount"/> the thoughts and <see cref="UsageDetails.CachedInputTokenCount"/>
    /// the cached part of the input. Gemini's own counts are in <see cref="UsageDetails.AdditionalCounts"/> under their wire names.
    /// </summary>
    internal static UsageDetails ToUsageDetails(TokenUsage usage) => new()
    {
        InputTokenCount = usage.InputTokens,
        OutputTokenCount = usage.OutputTokens + usage.ThoughtsTokens,
        TotalTokenCount = usage.TotalTokens,
        CachedInputTokenCount = usage.CachedTokens,
        ReasoningTokenCount = usage.ThoughtsTokens,
        AdditionalCounts = new()
        {
            ["gemini.promptTokenCount"] = usage.InputTokens,
            ["gemini.candidatesTokenCount"] = usage.OutputTokens,
            ["gemini.thoughtsTokenCount"] = usage.ThoughtsTokens,
            ["gemini.cachedContentTokenCount"] = usage.CachedTokens,
            ["gemini.toolUsePromptTokenCount"] = usage.ToolUseTokens,
            ["gemini.totalTokenCount"] = usage.TotalTokens,
            ["gemini.promptTokensDetails.TEXT"] = usage.TextTokens,
            ["gemini.promptTokensDetails.IMAGE"] = usage.ImageTokens,
            ["gemini.promptTokensDetails.DOCUMENT"] = usage.DocumentTokens,
        },
    };

    internal static ChatFinishReason? ToFinishReason(string? finishReason) => finishReason switch
    {
        null => null,
        _ when string.Equals(finishReason, "STOP", StringComparison.OrdinalIgnoreCase) => ChatFinishReason.Stop,
        _ when string.Equals(finishReason, "MAX_TOKENS", StringComparison.OrdinalIgnoreCase) => ChatFinishReason.Length,
        _ when FilteredFinishReasons.Contains(finishReason) => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(finishReason),
    };

    /// <summary>
    /// Drops a top-level <c>$schema</c> keyword (M.E.AI adds it when asked to): it is not in the JSON Schema subset Gemini's
    /// <c>responseJsonSchema</c> documents, and it says nothing the service uses.
    /// </summary>
    internal static JsonElement? WithoutSchemaKeyword(JsonElement? schema)
    {
        if (schema is not { ValueKind: JsonValueKind.Object } element || !element.TryGetProperty("$schema", out _))
        {
            return schema;
        }

        var node = System.Text.Json.Nodes.JsonObject.Create(element)!.DeepClone().AsObject();
        node.Remove("$schema");
        return JsonSerializer.SerializeToElement(node, AIJsonUtilities.DefaultOptions);
    }

    private static string? Read(AdditionalPropertiesDictionary? properties, string key) =>
        properties is not null && properties.TryGetValue(key, out var value) && value is not null
            ? Convert.ToString(value, CultureInfo.InvariantCulture) is { } text && !string.IsNullOrWhiteSpace(text) ? text : null
            : null;
}
