using InvoiceOcr.Emulator;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.EndToEnd;

/// <summary>The whole SDK against the Gemini emulator over real HTTP: what a user's application sees.</summary>
public sealed class ExtractionEndToEndTests
{
    private const string Company = "company-e2e";
    private const string GoodSecret = "test-key-e2e-good-0001";

    private static void OneGoodKey(GeminiEmulatorOptions emulator)
    {
        emulator.Keys.Add(new EmulatorKeyOptions { Key = GoodSecret, Id = "emu-good", Project = "project-a" });
    }

    [Fact]
    public async Task ExtractAsync_EInvoiceWithModelOnly_ModelAnswersFromXmlAndUsageMatchesEmulatorLedger()
    {
        await using var sdk = await EmulatedSdk.StartAsync(OneGoodKey, o => o.EInvoiceMode = EInvoiceMode.ModelOnly);
        await sdk.AddKeyAsync(Company, "key-good", GoodSecret, "project-a");
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Einfach.pdf"), TestContext.Current.CancellationToken);

        var result = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company) { RequestedBy = "alice", Branch = "Berlin" }, TestContext.Current.CancellationToken);

        Assert.Equal("471102", result.Invoice.InvoiceId);
        Assert.Equal(new DateOnly(2018, 3, 5), result.Invoice.InvoiceDate);
        Assert.Equal(529.87m, result.Invoice.Total);
        Assert.Equal("EUR", result.Invoice.Currency);
        Assert.Equal(InvoiceSourceKind.Model, result.Invoice.Source.Kind);
        Assert.Equal("key-good", result.KeyId);
        Assert.Equal(1, result.Attempts);
        Assert.Equal(2, result.PageCount);
        Assert.Equal(2 * 258, result.Usage.DocumentTokens);

        var billed = Assert.Single(sdk.Emulator.Ledger.Entries);
        Assert.Equal(billed.ResponseId, result.ResponseId);
        Assert.Equal(billed.PromptTokenCount, result.Usage.InputTokens);
        Assert.Equal(billed.CandidatesTokenCount, result.Usage.OutputTokens);
        Assert.Equal(billed.TotalTokenCount, result.Usage.TotalTokens);

        var recorded = Assert.Single(await sdk.Ledger.ListAsync(new UsageQuery(Company), TestContext.Current.CancellationToken));
        Assert.Equal(billed.TotalTokenCount, recorded.TotalTokens);
        Assert.Equal(billed.PromptTokenCount, recorded.InputTokens);
        Assert.Equal("alice", recorded.UserId);
        Assert.Equal("Berlin", recorded.Branch);
        Assert.Equal(result.OperationId, recorded.OperationId);
    }

    [Fact]
    public async Task ExtractAsync_EInvoiceEmbeddedFirst_NoModelCallAndZeroTokens()
    {
        await using var sdk = await EmulatedSdk.StartAsync(OneGoodKey);
        await sdk.AddKeyAsync(Company, "key-good", GoodSecret, "project-a");
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Einfach.pdf"), TestContext.Current.CancellationToken);

        var result = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), TestContext.Current.CancellationToken);

        Assert.Equal("471102", result.Invoice.InvoiceId);
        Assert.Equal(InvoiceSourceKind.EmbeddedXml, result.Invoice.Source.Kind);
        Assert.Equal(TokenUsage.None, result.Usage);
        Assert.Equal(0, result.Attempts);
        Assert.Null(result.KeyId);
        Assert.Empty(sdk.Emulator.Ledger.Entries);
        Assert.Empty(await sdk.Ledger.ListAsync(new UsageQuery(Company), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ExtractAsync_DamagedXrefWithAssociatedFile_ReadsTheEmbeddedInvoiceWithoutAModelCall()
    {
        await using var sdk = await EmulatedSdk.StartAsync(OneGoodKey);
        await sdk.AddKeyAsync(Company, "key-good", GoodSecret, "project-a");
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("edge/corruptedV2PDF.pdf"), TestContext.Current.CancellationToken);

        var result = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), TestContext.Current.CancellationToken);

        Assert.Equal(InvoiceSourceKind.EmbeddedXml, result.Invoice.Source.Kind);
        Assert.NotNull(result.Invoice.InvoiceId);
        Assert.Empty(sdk.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task ExtractAsync_InvalidKeyBesideGoodKey_FailsOverInOneCallAndDisablesTheInvalidKey()
    {
        await using var sdk = await EmulatedSdk.StartAsync(OneGoodKey, o => o.EInvoiceMode = EInvoiceMode.ModelOnly);
        await sdk.AddKeyAsync(Company, "key-invalid", "test-key-e2e-unknown-0002", "project-b", weight: 1_000_000);
        await sdk.AddKeyAsync(Company, "key-good", GoodSecret, "project-a", weight: 1);
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/XRECHNUNG_Einfach.pdf"), TestContext.Current.CancellationToken);

        var result = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), TestContext.Current.CancellationToken);

        Assert.Equal("key-good", result.KeyId);
        Assert.Equal(2, result.Attempts);
        var invalid = await sdk.Keys.GetAsync("key-invalid", TestContext.Current.CancellationToken);
        Assert.Equal(ApiKeyStatus.Disabled, invalid!.Status);
        Assert.Single(sdk.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task ExtractAsync_DamagedPdf_RejectedWithoutAnyModelCall()
    {
        await using var sdk = await EmulatedSdk.StartAsync(OneGoodKey);
        await sdk.AddKeyAsync(Company, "key-good", GoodSecret, "project-a");
        var document = InvoiceDocument.FromBytes(SharedData.ReadInvoice("edge/corrupt-factur-x-waytoosmall.pdf"), "tiny.pdf");

        var error = await Assert.ThrowsAsync<InvalidDocumentException>(
            () => sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), TestContext.Current.CancellationToken));

        Assert.Equal(DocumentRejectionReason.Damaged, error.Reason);
        Assert.Empty(sdk.Emulator.Ledger.Entries);
        var key = await sdk.Keys.GetAsync("key-good", TestContext.Current.CancellationToken);
        Assert.Equal(0, key!.TokensUsed);
    }

    [Fact]
    public async Task ExtractAsync_CompanyWithoutKeys_FailsWithTheSeedMessage()
    {
        await using var sdk = await EmulatedSdk.StartAsync(OneGoodKey, o => o.EInvoiceMode = EInvoiceMode.ModelOnly);
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Einfach.pdf"), TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(
            () => sdk.Extractor.ExtractAsync(document, new ExtractionContext("company-without-keys"), TestContext.Current.CancellationToken));

        Assert.Equal(InvoiceOcrErrorKind.NoKeyAvailable, error.Kind);
        Assert.Equal("No active token found for your company. Please contact support.", error.Message);
        Assert.Empty(sdk.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task ExtractAsync_ServerErrorsThenSuccess_RetriesAndBillsOnce()
    {
        await using var sdk = await EmulatedSdk.StartAsync(OneGoodKey, o => o.EInvoiceMode = EInvoiceMode.ModelOnly);
        await sdk.AddKeyAsync(Company, "key-good", GoodSecret, "project-a");
        sdk.Emulator.InjectFault(EmulatorFaultKind.Internal, count: 1);
        sdk.Emulator.InjectFault(EmulatorFaultKind.Unavailable, count: 1);
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Einfach.pdf"), TestContext.Current.CancellationToken);

        var result = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), TestContext.Current.CancellationToken);

        Assert.Equal(3, result.Attempts);
        Assert.Single(sdk.Emulator.Ledger.Entries);
        Assert.Single(await sdk.Ledger.ListAsync(new UsageQuery(Company), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ExtractAsync_AnswerCutOffAtMaxTokens_FailsAsTruncatedAndStillRecordsTheBilledUsage()
    {
        await using var sdk = await EmulatedSdk.StartAsync(OneGoodKey, o => o.EInvoiceMode = EInvoiceMode.ModelOnly);
        await sdk.AddKeyAsync(Company, "key-good", GoodSecret, "project-a");
        sdk.Emulator.InjectFault(EmulatorFaultKind.MaxTokens, count: 1);
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Einfach.pdf"), TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(
            () => sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), TestContext.Current.CancellationToken));

        Assert.Equal(InvoiceOcrErrorKind.OutputTruncated, error.Kind);
        var billed = Assert.Single(sdk.Emulator.Ledger.Entries);
        var recorded = Assert.Single(await sdk.Ledger.ListAsync(new UsageQuery(Company), TestContext.Current.CancellationToken));
        Assert.Equal(billed.TotalTokenCount, recorded.TotalTokens);
        Assert.Equal(billed.ResponseId, recorded.ResponseId);
    }

    [Fact]
    public async Task ExtractAsync_PlainPdfTheEmulatorCannotRead_ReturnsAnEmptyInvoiceWithMissingFieldFindings()
    {
        await using var sdk = await EmulatedSdk.StartAsync(OneGoodKey);
        await sdk.AddKeyAsync(Company, "key-good", GoodSecret, "project-a");
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/RE-E-974-Hetzner_2016-01-19_R0005532486.pdf"), TestContext.Current.CancellationToken);

        var result = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), TestContext.Current.CancellationToken);

        Assert.Null(result.Invoice.InvoiceId);
        Assert.Null(result.Invoice.Total);
        Assert.Contains(result.Findings, f => f.Code == InvoiceFindingCodes.RequiredFieldMissing && f.Path == "invoiceId");
        Assert.Single(sdk.Emulator.Ledger.Entries);
    }
}
