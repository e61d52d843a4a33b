using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Answers;
using InvoiceOcr.Emulator.Tokens;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Hosting;

/// <summary><c>generateContent</c>, <c>streamGenerateContent</c> and <c>countTokens</c>: validation, quotas, faults, answers and billing.</summary>
internal sealed partial class EmulatorEngine
{
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

        var generation = await GenerateAsync(request, model, modelOptions, key.Project, plan.Kind, ctx.RequestAborted).ConfigureAwait(false);

        // Faults that lose the answer before billing bill nothing; the …AfterBilling ones bill first and then lose it.
        if (plan.Kind is not (EmulatorFaultKind.ConnectionReset or EmulatorFaultKind.TruncatedBody))
        {
            Bill(key, method, generation, plan.Kind, TestAttempt(ctx), "standard");
        }

        if (plan.Kind == EmulatorFaultKind.NoResponseAfterBilling)
        {
            // Billed, then the connection drops before the status line: the client cannot know the call ran.
            ctx.Abort();
            return;
        }

        if (stream)
        {
            await WriteStreamAsync(ctx, BuildStreamEvents(generation), sse, plan.Kind).ConfigureAwait(false);
            return;
        }

        var json = WireJson.ToIndented(BuildUnary(generation));
        switch (plan.Kind)
        {
            case EmulatorFaultKind.ConnectionReset or EmulatorFaultKind.ConnectionResetAfterBilling:
                await WritePartialThenAbortAsync(ctx, json).ConfigureAwait(false);
                break;
            case EmulatorFaultKind.TruncatedBody or EmulatorFaultKind.TruncatedBodyAfterBilling:
                await WriteTextAsync(ctx, 200, json[..(json.Length / 2)]).ConfigureAwait(false);
                break;
            default:
                await WriteTextAsync(ctx, 200, json).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>Runs the "model": the answer, the fault's effect on it, thoughts and the implicit cache, with every token count.</summary>
    private async ValueTask<Generation> GenerateAsync(ParsedRequest request, string model, EmulatorModelOptions modelOptions, string project, EmulatorFaultKind fault, CancellationToken cancellationToken)
    {
        var answer = await ResolveAnswerAsync(request, model, cancellationToken).ConfigureAwait(false);
        var (text, finishReason) = ApplyOutcome(answer, fault, Math.Min(request.MaxOutputTokens ?? int.MaxValue, modelOptions.OutputTokenLimit));
        var thoughts = request.ThinkingBudget switch
        {
            0 => 0,
            > 0 and var budget => Math.Min(budget, modelOptions.ThoughtsTokens),
            _ => modelOptions.ThoughtsTokens,
        };
        var cached = modelOptions.ImplicitCaching ?? ModelFamily.HasImplicitCaching(model)
            ? _implicitCache.Hit(project, model, request.Segments, modelOptions.MinCacheTokens ?? ModelFamily.MinCacheTokens(model))
            : [];
        return new Generation(request, model, NewId(22), text, finishReason, text is null ? 0 : TokenRules.Text(text), thoughts, cached, fault == EmulatorFaultKind.Safety)
        {
            IncludeThoughts = request.IncludeThoughts && thoughts > 0,
            ThoughtSignature = request.IncludeThoughts && thoughts > 0 ? NewId(40) : null,
        };
    }

    private static string? TestAttempt(HttpContext ctx) =>
        ctx.Request.Headers.TryGetValue(GeminiEmulator.TestAttemptHeader, out var value) && value.Count > 0 ? value.ToString() : null;

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

    private void Bill(EmulatorKeyOptions key, string method, Generation generation, EmulatorFaultKind fault, string? testAttempt, string serviceTier)
    {
        var now = _time.GetUtcNow();
        var request = generation.Request;
        Ledger.Add(sequence => new EmulatorLedgerEntry(
            sequence,
            now,
            key.EffectiveId,
            key.Key,
            key.Project,
            generation.Model,
            method,
            generation.ResponseId,
            generation.FinishReason,
            request.PromptTokens,
            generation.CandidatesTokens,
            generation.CachedTokens,
            ToolUsePromptTokenCount: 0,
            generation.ThoughtsTokens,
            generation.TotalTokens,
            request.PromptDetails.ToDictionary(d => d.Modality, d => d.Tokens, StringComparer.Ordinal))
        {
            Fault = fault,
            TestAttempt = testAttempt,
            CachedTokensByModality = generation.Cached.ToDictionary(d => d.Modality, d => d.Tokens, StringComparer.Ordinal),
            ServiceTier = serviceTier,
        });
    }
}
