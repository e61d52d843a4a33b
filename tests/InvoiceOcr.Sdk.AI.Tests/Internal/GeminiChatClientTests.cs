using System.Text.Json;
using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk.AI.Internal;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using static InvoiceOcr.Sdk.AI.Tests.ChatHost;

namespace InvoiceOcr.Sdk.AI.Tests.Internal;

/// <summary>
/// The SDK's chat client composed with M.E.AI's own middleware (<c>UseOpenTelemetry</c>, <c>UseLogging</c>,
/// <c>UseDistributedCache</c>) against the Gemini emulator over HTTP, with the in-memory store.
/// </summary>
public sealed class GeminiChatClientTests
{
    private const string Company = "company-chat";

    // Long enough (well over the emulator's 16-token cache minimum) that a second call with it is billed partly as cached.
    private const string Instructions =
        "You triage the messages of an accounts-payable mailbox. Answer with one short sentence that names the kind of message: " +
        "an invoice, a reminder, a credit note, a question about a payment, or something else. Never invent amounts or dates.";

    [Fact]
    public async Task GetResponseAsync_ThroughOpenTelemetryAndLogging_LedgerHasCompanyTokenKindsAndTelemetryEqualsIt()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var host = await StartAsync(emulator, Company);

        var first = await host.Chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, "Please find attached invoice 4711 for March.")],
            For(Company), Ct);
        var second = await host.Chat.GetResponseAsync(
            [new ChatMessage(ChatRole.System, Instructions), new ChatMessage(ChatRole.User, "When will you pay our invoice 4711?")],
            For(Company), Ct);

        Assert.False(string.IsNullOrWhiteSpace(first.Text));
        Assert.Equal(ChatFinishReason.Stop, first.FinishReason);
        var rows = (await host.LedgerAsync(Company)).OrderBy(static r => r.StartedAt).ThenBy(static r => r.Id, StringComparer.Ordinal).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(2, emulator.Ledger.Entries.Count);
        Assert.All(rows, row =>
        {
            Assert.Equal(Company, row.CompanyId);
            Assert.Equal("key-chat", row.KeyId);
            Assert.Equal(UsageOutcome.Success, row.Outcome);
            Assert.True(row.InputTokens > 0 && row.OutputTokens > 0);
            Assert.Equal(ThoughtsTokens, row.ThoughtsTokens);
            Assert.Equal(row.InputTokens + row.OutputTokens + row.ThoughtsTokens, row.TotalTokens);
        });

        // Every token kind is real: the second call repeats the instruction, which the model bills as cached.
        Assert.Equal(0, rows[0].CachedTokens);
        Assert.True(rows[1].CachedTokens > 0, "the repeated instruction is billed as cached");
        Assert.Equal(emulator.Ledger.Entries.Sum(static e => e.CachedContentTokenCount), rows.Sum(static r => r.CachedTokens));

        // The response's usage is the ledger row's, kind by kind.
        foreach (var (response, row) in new[] { (first, rows[0]), (second, rows[1]) })
        {
            var usage = response.Usage!;
            Assert.Equal(row.InputTokens, usage.InputTokenCount);
            Assert.Equal(row.OutputTokens + row.ThoughtsTokens, usage.OutputTokenCount);
            Assert.Equal(row.ThoughtsTokens, usage.ReasoningTokenCount);
            Assert.Equal(row.CachedTokens, usage.CachedInputTokenCount);
            Assert.Equal(row.TotalTokens, usage.TotalTokenCount);
            Assert.Equal(row.OutputTokens, usage.AdditionalCounts!["gemini.candidatesTokenCount"]);
            Assert.Equal(row.OperationId, response.AdditionalProperties!["invoiceocr.operation_id"]);
        }

        // OpenTelemetry's gen_ai usage (metric and span) equals the ledger's.
        var byType = host.TokenUsageByType();
        Assert.Equal(rows.Sum(static r => (long)r.InputTokens), byType["input"]);
        Assert.Equal(rows.Sum(static r => (long)r.OutputTokens + r.ThoughtsTokens), byType["output"]);
        var spans = host.Activities();
        Assert.Equal(2, spans.Count);
        Assert.Equal(rows.Sum(static r => (long)r.InputTokens), spans.Sum(static a => Convert.ToInt64(a.GetTagItem("gen_ai.usage.input_tokens"), System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(rows.Sum(static r => (long)r.OutputTokens + r.ThoughtsTokens), spans.Sum(static a => Convert.ToInt64(a.GetTagItem("gen_ai.usage.output_tokens"), System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(spans, static a => Assert.Equal("gcp.gemini", a.GetTagItem("gen_ai.provider.name") ?? a.GetTagItem("gen_ai.system")));

        // UseLogging logged the calls.
        Assert.Contains(host.Logs.GetSnapshot(), static r => r.Category?.Contains("LoggingChatClient", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task GetResponseAsync_DailyQuotaExhausted_RefusedWithTypedErrorAndNoModelCall()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var host = await StartAsync(emulator, Company, new QuotaLimits { RequestsPerDay = 1 });

        await host.Chat.GetResponseAsync("Is a credit note an invoice?", For(Company), Ct);
        var refused = await Assert.ThrowsAsync<InvoiceOcrException>(() => host.Chat.GetResponseAsync("And a reminder?", For(Company), Ct));

        Assert.Equal(InvoiceOcrErrorKind.LocalQuotaExceeded, refused.Kind);
        Assert.Single(emulator.Ledger.Entries);
        Assert.Single(await host.LedgerAsync(Company));
    }

    [Fact]
    public async Task GetResponseAsync_NoCompany_TypedErrorAndNothingBilled()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var host = await StartAsync(emulator, Company);

        var refused = await Assert.ThrowsAsync<InvoiceOcrException>(() => host.Chat.GetResponseAsync("Hello", new ChatOptions(), Ct));

        Assert.Equal(InvoiceOcrErrorKind.BadRequest, refused.Kind);
        Assert.Contains(InvoiceOcrChatProperties.CompanyId, refused.Message, StringComparison.Ordinal);
        Assert.Empty(emulator.Ledger.Entries);
        Assert.Empty(await host.LedgerAsync(Company));
    }

    [Fact]
    public async Task GetResponseAsync_AmbientScope_BilledToScopeCompany()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var host = await StartAsync(emulator, Company);

        using (InvoiceOcrChatScope.Begin(new ExtractionContext(Company) { RequestedBy = "user-7", Branch = "north" }))
        {
            await host.Chat.GetResponseAsync("Is this a reminder?", cancellationToken: Ct);
        }

        var row = Assert.Single(await host.LedgerAsync(Company));
        Assert.Equal("user-7", row.UserId);
        Assert.Equal("north", row.Branch);
        Assert.Null(InvoiceOcrChatScope.Current);
    }

    [Fact]
    public async Task GetResponseAsync_OptionsAndScopeNameDifferentCompanies_RefusedWithNothingBilled()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var host = await StartAsync(emulator, Company);

        using var scope = InvoiceOcrChatScope.Begin(new ExtractionContext("another-company"));
        var refused = await Assert.ThrowsAsync<InvoiceOcrException>(() => host.Chat.GetResponseAsync("Hello", For(Company), Ct));

        Assert.Equal(InvoiceOcrErrorKind.BadRequest, refused.Kind);
        Assert.Empty(emulator.Ledger.Entries);
    }

    [Fact]
    public async Task GetResponseAsyncOfT_JsonSchema_RoundTripsTheTypeAndSendsTheSchema()
    {
        var answers = new TriageAnswers();
        await using var emulator = await StartEmulatorAsync(answers);
        await using var host = await StartAsync(emulator, Company);

        var response = await host.Chat.GetResponseAsync<Triage>("Classify: 'Please find attached invoice 4711.'", For(Company), cancellationToken: Ct);

        Assert.Equal(new Triage("invoice", 2), response.Result);
        var schema = Assert.IsType<JsonElement>(answers.LastSchema);
        Assert.True(schema.GetProperty("properties").TryGetProperty("category", out _), schema.GetRawText());
        Assert.Equal("application/json", answers.LastMimeType);
        Assert.Single(await host.LedgerAsync(Company));
    }

    [Fact]
    public async Task GetResponseAsync_CacheHitInUseDistributedCache_NoModelCallAndNoLedgerRow()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var host = await StartAsync(emulator, Company, cache: true);

        var first = await host.Chat.GetResponseAsync("Is a credit note an invoice?", For(Company), Ct);
        var second = await host.Chat.GetResponseAsync("Is a credit note an invoice?", For(Company), Ct);

        Assert.Equal(first.Text, second.Text);
        Assert.Single(emulator.Ledger.Entries);
        Assert.Single(await host.LedgerAsync(Company));

        // Another company asking the same is not served from the first company's entry (the key includes the options).
        await host.Services.GetRequiredService<IApiKeyStore>().AddAsync(
            new ApiKey { Id = "key-chat-2", CompanyId = "company-other", Secret = Secret, ProjectId = "project-chat" }, Ct);
        await host.Chat.GetResponseAsync("Is a credit note an invoice?", For("company-other"), Ct);
        Assert.Equal(2, emulator.Ledger.Entries.Count);
        Assert.Single(await host.LedgerAsync("company-other"));
    }

    [Fact]
    public async Task GetStreamingResponseAsync_YieldsTheAnswerAndItsUsage_RecordedOnce()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var host = await StartAsync(emulator, Company);

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in host.Chat.GetStreamingResponseAsync("Is a reminder an invoice?", For(Company), Ct))
        {
            updates.Add(update);
        }

        var response = updates.ToChatResponse();
        var row = Assert.Single(await host.LedgerAsync(Company));
        Assert.False(string.IsNullOrWhiteSpace(response.Text));
        Assert.Equal(row.InputTokens, response.Usage!.InputTokenCount);
        Assert.Equal(row.ThoughtsTokens, response.Usage.ReasoningTokenCount);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task GetResponseAsync_OutputCapReached_LengthFinishAndBilledRowRecorded()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var host = await StartAsync(emulator, Company);

        var response = await host.Chat.GetResponseAsync(
            "Write a long story about invoices.", For(Company, new ChatOptions { MaxOutputTokens = 1 }), Ct);

        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        var row = Assert.Single(await host.LedgerAsync(Company));
        Assert.Equal(UsageOutcome.Success, row.Outcome);
        Assert.Equal(emulator.Ledger.Entries.Single().CandidatesTokenCount, row.OutputTokens);
    }

    [Fact]
    public async Task GetResponseAsync_DataPart_SentInlineAndBilledByModality()
    {
        var answers = new TriageAnswers();
        await using var emulator = await StartEmulatorAsync(answers);
        await using var host = await StartAsync(emulator, Company);
        var text = "Invoice 4711\nTotal: 119.00 EUR\n"u8.ToArray();

        await host.Chat.GetResponseAsync(
            [new ChatMessage(ChatRole.User, [new TextContent("What is this file?"), new DataContent(text, "text/plain")])], For(Company), Ct);

        var document = Assert.Single(answers.LastDocuments!);
        Assert.Equal("text/plain", document.MimeType);
        Assert.Equal(text, document.Data.ToArray());
        Assert.Single(await host.LedgerAsync(Company));
    }

    [Fact]
    public async Task GetResponseAsync_SameIdempotencyKeyTwice_SecondIsTheStoredAnswerWithNoModelCall()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var host = await StartAsync(emulator, Company);
        ChatOptions Options()
        {
            var options = For(Company);
            options.AdditionalProperties![InvoiceOcrChatProperties.IdempotencyKey] = "mail-2026-0042";
            return options;
        }

        var first = await host.Chat.GetResponseAsync("Is this an invoice?", Options(), Ct);
        var replay = await host.Chat.GetResponseAsync("Is this an invoice?", Options(), Ct);

        Assert.Equal(first.Text, replay.Text);
        Assert.Equal(false, first.AdditionalProperties!["invoiceocr.replay"]);
        Assert.Equal(true, replay.AdditionalProperties!["invoiceocr.replay"]);
        Assert.Equal(first.Usage!.TotalTokenCount, replay.Usage!.TotalTokenCount);
        Assert.Single(emulator.Ledger.Entries);
        Assert.Single(await host.LedgerAsync(Company));
    }

    [Fact]
    public async Task GetResponseAsync_TransientFailureFirst_RetriedWithinTheCallAndBilledOnce()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var host = await StartAsync(emulator, Company);
        emulator.InjectFault(EmulatorFaultKind.Unavailable);

        var response = await host.Chat.GetResponseAsync("Is this an invoice?", For(Company), Ct);

        Assert.Equal(2, response.AdditionalProperties!["invoiceocr.attempts"]);
        var row = Assert.Single(await host.LedgerAsync(Company));
        Assert.Equal(UsageOutcome.Success, row.Outcome);
        Assert.Equal(row.InputTokens, Assert.Single(emulator.Ledger.Entries).PromptTokenCount);
    }

    [Fact]
    public async Task GetResponseAsync_SafetyFinish_ReturnedAsContentFilterAndBilled()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var host = await StartAsync(emulator, Company);
        emulator.InjectFault(EmulatorFaultKind.Safety);

        var response = await host.Chat.GetResponseAsync("Tell me something.", For(Company), Ct);

        Assert.Equal(ChatFinishReason.ContentFilter, response.FinishReason);
        Assert.Single(await host.LedgerAsync(Company));
        Assert.Single(emulator.Ledger.Entries);
    }

    [Fact]
    public async Task GetResponseAsync_PromptBlocked_TypedContentBlockedError()
    {
        await using var emulator = await StartEmulatorAsync();
        await using var host = await StartAsync(emulator, Company);
        emulator.InjectFault(EmulatorFaultKind.PromptBlocked);

        var refused = await Assert.ThrowsAsync<InvoiceOcrException>(() => host.Chat.GetResponseAsync("Tell me something.", For(Company), Ct));

        Assert.Equal(InvoiceOcrErrorKind.ContentBlocked, refused.Kind);
    }

    [Fact]
    public void ToRequest_SchemaWithSchemaKeyword_SentWithoutItAndWithJsonMode()
    {
        using var schema = JsonDocument.Parse("""{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","properties":{"kind":{"type":"string"}}}""");
        var options = new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(schema.RootElement, "triage") };

        var request = GeminiChatClient.ToRequest([new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "Classify.")], options);

        var sent = Assert.IsType<JsonElement>(request.ResponseJsonSchema);
        Assert.False(sent.TryGetProperty("$schema", out _));
        Assert.Equal("object", sent.GetProperty("type").GetString());
        Assert.True(request.JsonResponse);
        Assert.Equal("Be brief.", request.SystemInstruction);
        Assert.Equal(ModelRole.User, Assert.Single(request.Contents).Role);
    }

    [Fact]
    public void ToRequest_ToolMessage_NotSupported()
    {
        var messages = new[] { new ChatMessage(ChatRole.User, "Hi"), new ChatMessage(ChatRole.Tool, "42") };

        Assert.Throws<NotSupportedException>(() => GeminiChatClient.ToRequest(messages, null));
    }

    /// <summary>A structured-output answer.</summary>
    public sealed record Triage(string Category, int Priority);

    /// <summary>Answers a schema request with a fixed triage, and remembers what it saw.</summary>
    private sealed class TriageAnswers : IEmulatorAnswerSource
    {
        public JsonElement? LastSchema { get; private set; }

        public string? LastMimeType { get; private set; }

        public IReadOnlyList<EmulatorDocument>? LastDocuments { get; private set; }

        public ValueTask<string?> GetAnswerAsync(EmulatorAnswerRequest request, CancellationToken cancellationToken)
        {
            LastSchema = request.ResponseJsonSchema?.Clone();
            LastMimeType = request.ResponseMimeType;
            LastDocuments = request.Documents;
            return ValueTask.FromResult<string?>(request.ResponseJsonSchema is null ? null : """{"category":"invoice","priority":2}""");
        }
    }
}
