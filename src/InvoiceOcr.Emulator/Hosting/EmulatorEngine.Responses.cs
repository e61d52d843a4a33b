using System.Text;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Hosting;

/// <summary>The <c>GenerateContentResponse</c> shapes (unary and streamed) and how they are written, faults included.</summary>
internal sealed partial class EmulatorEngine
{
    private static readonly TimeSpan DeliveryGrace = TimeSpan.FromMilliseconds(100);

    private JsonObject BuildUnary(Generation g)
    {
        var legacy = ModelFamily.IsLegacyShape(g.Model);
        var candidate = new JsonObject();
        if (g.Text is not null)
        {
            candidate["content"] = Content(g.Text, g, first: true);
        }

        candidate["finishReason"] = g.FinishReason;
        if (g.Request.HasSafetySettings || g.SafetyFault)
        {
            candidate["safetyRatings"] = SafetyRatings(g.SafetyFault);
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
            ["usageMetadata"] = Usage(g, legacy, final: true),
            ["modelVersion"] = g.Model,
            ["responseId"] = g.ResponseId,
        };
    }

    private static List<JsonObject> BuildStreamEvents(Generation g)
    {
        var legacy = ModelFamily.IsLegacyShape(g.Model);
        var chunks = Chunk(g.Text ?? string.Empty);
        var events = new List<JsonObject>();
        for (var i = 0; i < chunks.Count; i++)
        {
            var last = i == chunks.Count - 1;
            var candidate = new JsonObject();
            if (g.Text is not null)
            {
                candidate["content"] = Content(chunks[i], g, first: i == 0);
            }

            if (last)
            {
                candidate["finishReason"] = g.FinishReason;
                if (g.SafetyFault || g.Request.HasSafetySettings)
                {
                    candidate["safetyRatings"] = SafetyRatings(g.SafetyFault);
                }

                if (!legacy)
                {
                    candidate["index"] = 0;
                }
            }

            events.Add(new JsonObject
            {
                ["candidates"] = new JsonArray { candidate },
                ["usageMetadata"] = Usage(g, legacy, final: last),
                ["modelVersion"] = g.Model,
                ["responseId"] = g.ResponseId,
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

    private static JsonObject Content(string text, Generation g, bool first)
    {
        var parts = new JsonArray();
        var answer = new JsonObject { ["text"] = text };
        if (first && g.IncludeThoughts)
        {
            // includeThoughts: a thought-summary part first, and the answer part carries the thought signature.
            parts.Add(new JsonObject { ["text"] = "**Reading the request**\n\nThe emulator stands in for the model's thought summary here.", ["thought"] = true });
            answer["thoughtSignature"] = g.ThoughtSignature;
        }

        parts.Add(answer);
        return new JsonObject { ["parts"] = parts, ["role"] = "model" };
    }

    private static JsonObject Usage(Generation g, bool legacy, bool final)
    {
        var request = g.Request;

        // As recorded, intermediate stream events report the prompt without the schema tokens; only the last is right.
        var prompt = final ? request.PromptTokens : request.PromptTokens - request.SchemaTokens;
        IReadOnlyList<(string Modality, int Tokens)> details = final
            ? request.PromptDetails
            : [.. request.PromptDetails.Select(d => d.Modality == "TEXT" ? (d.Modality, d.Tokens - request.SchemaTokens) : d).Where(d => d.Item2 > 0)];
        var usage = new JsonObject { ["promptTokenCount"] = prompt };
        if (final && g.CandidatesTokens > 0)
        {
            usage["candidatesTokenCount"] = g.CandidatesTokens;
        }

        usage["totalTokenCount"] = final ? g.TotalTokens : prompt;
        if (final && g.CachedTokens > 0)
        {
            usage["cachedContentTokenCount"] = g.CachedTokens;
        }

        usage["promptTokensDetails"] = Details(details);
        if (final && g.CachedTokens > 0)
        {
            usage["cacheTokensDetails"] = Details(g.Cached);
        }

        if (final && legacy && g.CandidatesTokens > 0)
        {
            usage["candidatesTokensDetails"] = new JsonArray { new JsonObject { ["modality"] = "TEXT", ["tokenCount"] = g.CandidatesTokens } };
        }

        // Proto field-number order, as in the recordings: thoughts (field 10) after the details (5, 7).
        if (final && g.ThoughtsTokens > 0)
        {
            usage["thoughtsTokenCount"] = g.ThoughtsTokens;
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
        await AbortAfterDeliveryAsync(ctx).ConfigureAwait(false);
    }

    /// <summary>
    /// Aborts the connection after what was flushed had time to reach the client. An immediate abort sends a TCP reset
    /// that makes the client's kernel discard bytes it had received but not yet read, so the "first event" of a reset
    /// stream never reached a client (the official JavaScript client saw none). The pause is network time, not emulated
    /// time, so it runs on the system clock even when the emulator runs on a fake one.
    /// </summary>
    private static async Task AbortAfterDeliveryAsync(HttpContext ctx)
    {
        try
        {
            await Task.Delay(DeliveryGrace, TimeProvider.System, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away first; nothing left to deliver.
        }

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

        var reset = fault is EmulatorFaultKind.ConnectionReset or EmulatorFaultKind.ConnectionResetAfterBilling;
        var broken = reset || fault is EmulatorFaultKind.TruncatedBody or EmulatorFaultKind.TruncatedBodyAfterBilling;
        if (broken)
        {
            // Keep the first event (reset) or the first half (truncated); a single event is cut in the middle.
            var keep = reset ? 1 : Math.Max(1, frames.Count / 2);
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

        if (fault is EmulatorFaultKind.ConnectionReset or EmulatorFaultKind.ConnectionResetAfterBilling)
        {
            await AbortAfterDeliveryAsync(ctx).ConfigureAwait(false);
        }
    }
}
