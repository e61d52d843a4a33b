using System.Text;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Hosting;

/// <summary>The <c>GenerateContentResponse</c> shapes (unary and streamed) and how they are written, faults included.</summary>
internal sealed partial class EmulatorEngine
{
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
}
