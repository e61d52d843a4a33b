using System.Text;
using System.Text.Json;
using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk.ModelCalls;
using InvoiceOcr.Sdk.Tests.EndToEnd;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Sdk.Tests.ModelCalls;

/// <summary>General calls through the public <see cref="IModelCallRunner"/>: the same pipeline as an extraction, against the emulator over HTTP.</summary>
public sealed class ModelCallRunnerTests
{
    private const string Company = "c-runner";
    private const string Secret = "test-key-runner-0001";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CallAsync_TurnsWithTextAndData_RecordedInTheLedgerLikeAnExtraction()
    {
        await using var sdk = await StartAsync();
        var runner = sdk.Services.GetRequiredService<IModelCallRunner>();
        var request = new ModelRequest(
        [
            new ModelContent(ModelRole.User, [ModelPart.FromText("What kind of message is this?"), ModelPart.FromData("Invoice 4711, total 119.00 EUR"u8.ToArray(), "text/plain")]),
            new ModelContent(ModelRole.Model, [ModelPart.FromText("An invoice.")]),
            new ModelContent(ModelRole.User, [ModelPart.FromText("And its total?")]),
        ])
        { SystemInstruction = "Answer in one short sentence." };

        var response = await runner.CallAsync(request, new ExtractionContext(Company) { RequestedBy = "alice" }, Ct);

        Assert.False(string.IsNullOrWhiteSpace(response.Text));
        Assert.Equal("STOP", response.FinishReason);
        Assert.Equal((1, "k-runner", false), (response.Attempts, response.KeyId, response.IsReplay));
        var row = Assert.Single(await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct));
        Assert.Equal((response.OperationId, "alice", UsageOutcome.Success), (row.OperationId, row.UserId, row.Outcome));
        Assert.Equal(response.Usage.InputTokens, row.InputTokens);
        Assert.Equal(response.Usage.TotalTokens, row.TotalTokens);
        var billed = Assert.Single(sdk.Emulator.Ledger.Entries);
        Assert.Equal(billed.PromptTokenCount, row.InputTokens);
        Assert.Equal(1, sdk.Requests.For(Secret));
    }

    [Fact]
    public async Task CallAsync_WithAndWithoutIdempotencyKey_StoresTheAnswerOnlyWhereALaterCallCanAskForIt()
    {
        await using var sdk = await StartAsync();
        var runner = sdk.Services.GetRequiredService<IModelCallRunner>();
        var operations = sdk.Services.GetRequiredService<IOperationStore>();
        var request = new ModelRequest([new ModelContent(ModelRole.User, [ModelPart.FromText("Say hello.")])]);

        var keyed = await runner.CallAsync(request, new ExtractionContext(Company) { IdempotencyKey = "call-kept" }, Ct);
        var unkeyed = await runner.CallAsync(request, new ExtractionContext(Company), Ct);
        var replay = await runner.CallAsync(request, new ExtractionContext(Company) { IdempotencyKey = "call-kept" }, Ct);
        var unkeyedClaim = await operations.ClaimOperationAsync(new OperationClaim(unkeyed.OperationId, Company, null, TimeSpan.FromMinutes(1)), Ct);

        Assert.Equal((true, keyed.Text), (replay.IsReplay, replay.Text));
        Assert.Equal(OperationClaimStatus.Completed, unkeyedClaim.Status);
        Assert.Equal(InvoiceOcr.Sdk.Pipeline.StoredOutcome.NotKept, unkeyedClaim.Operation.OutcomeJson);
        Assert.Equal(2, sdk.Requests.For(Secret));
    }

    [Fact]
    public async Task CallAsync_DataOverTheInlineLimit_RefusedBeforeAnyKeyIsLeased()
    {
        await using var sdk = await StartAsync(static options => options.Gemini.InlineDataLimitBytes = 1024);
        var runner = sdk.Services.GetRequiredService<IModelCallRunner>();
        var request = new ModelRequest([new ModelContent(ModelRole.User, [ModelPart.FromData(new byte[1024], "application/pdf")])]);

        var refused = await Assert.ThrowsAsync<InvoiceOcrException>(() => runner.CallAsync(request, new ExtractionContext(Company), Ct));

        Assert.Equal(InvoiceOcrErrorKind.BadRequest, refused.Kind);
        Assert.Equal(0, sdk.Requests.Total);
        Assert.Equal(0, (await sdk.Keys.GetAsync("k-runner", Ct))!.TokensReserved);
    }

    [Fact]
    public async Task CallAsync_SchemaAnswer_SentAsResponseJsonSchemaAndReturnedAsText()
    {
        await using var sdk = await StartAsync();
        var runner = sdk.Services.GetRequiredService<IModelCallRunner>();
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"kind":{"type":"string"}},"required":["kind"]}""");
        var request = new ModelRequest([new ModelContent(ModelRole.User, [ModelPart.FromText("Classify: invoice 4711.")])]) { ResponseJsonSchema = schema.RootElement };

        var response = await runner.CallAsync(request, new ExtractionContext(Company), Ct);

        // The emulator answers a schema with its shape and nothing invented.
        using var answer = JsonDocument.Parse(response.Text);
        Assert.True(answer.RootElement.TryGetProperty("kind", out _), response.Text);
    }

    [Fact]
    public void EstimatePromptTokens_TextInstructionSchemaAndData_CountsEachByItsRule()
    {
        using var schema = JsonDocument.Parse("""{"type":"object","properties":{"kind":{"type":"string"}}}""");
        var text = "Invoice 4711";
        var request = new ModelRequest(
        [
            new ModelContent(ModelRole.User,
            [
                ModelPart.FromText(text),
                ModelPart.FromData(Encoding.UTF8.GetBytes(text), "text/plain"),
                ModelPart.FromData(new byte[10], "image/png"),
                ModelPart.FromData(new byte[(100 * 1024) + 1], "application/pdf"),
            ]),
        ])
        { SystemInstruction = "Be brief.", ResponseJsonSchema = schema.RootElement };

        var expected = (2 * GeminiTokenRules.EstimateTextTokens(text)) + GeminiTokenRules.EstimateTextTokens("Be brief.")
            + GeminiTokenRules.EstimateSchemaTokens(schema.RootElement) + GeminiTokenRules.ImageTileTokens + (2 * GeminiTokenRules.PdfPageTokens);
        Assert.Equal(expected, ModelCallRunner.EstimatePromptTokens(request));
    }

    [Fact]
    public void CreateOperationId_SameIdempotencyKeyAsAnExtraction_NeverTheSameOperation()
    {
        var caller = new ExtractionContext(Company) { IdempotencyKey = "mail-42" };

        Assert.Equal(ModelCallRunner.CreateOperationId(caller), ModelCallRunner.CreateOperationId(caller));
        Assert.NotEqual(InvoiceOcr.Sdk.Extraction.InvoiceExtractor.CreateOperationId(caller), ModelCallRunner.CreateOperationId(caller));
        Assert.NotEqual(ModelCallRunner.CreateOperationId(caller), ModelCallRunner.CreateOperationId(new ExtractionContext("other") { IdempotencyKey = "mail-42" }));
    }

    private static async Task<EmulatedSdk> StartAsync(Action<InvoiceOcrOptions>? configure = null)
    {
        var sdk = await EmulatedSdk.StartAsync(
            static emulator => emulator.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-runner", Project = "p-runner" }),
            configure);
        await sdk.AddKeyAsync(Company, "k-runner", Secret, "p-runner");
        return sdk;
    }
}
