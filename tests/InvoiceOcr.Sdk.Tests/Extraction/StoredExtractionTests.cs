namespace InvoiceOcr.Sdk.Tests.Extraction;

public sealed class StoredExtractionTests
{
    private static InvoiceExtractionResult Result(Invoice invoice) => new()
    {
        Invoice = invoice,
        Findings = [],
        Usage = new TokenUsage { InputTokens = 1200, OutputTokens = 300, DocumentTokens = 1100, TextTokens = 100, CachedTokens = 5, ThoughtsTokens = 40, ToolUseTokens = 2, TotalTokens = 1540 },
        Model = "gemini-2.5-flash",
        ModelVersion = "gemini-2.5-flash-001",
        ResponseId = "resp-1",
        Attempts = 2,
        KeyId = "k-1",
        Duration = TimeSpan.FromSeconds(3),
        OperationId = "op-1",
        DocumentKind = DocumentKind.Pdf,
        PageCount = 2,
        DocumentSha256 = "ab12",
        IsReplay = true,
        CacheStatus = ExtractionCacheStatus.Hit,
    };

    [Fact]
    public void Deserialize_WhatSerializeWrote_RestoresInvoiceBookkeepingAndDocumentFacts()
    {
        var original = Result(new Invoice { InvoiceId = "INV-1", Currency = "EUR", Subtotal = 100m, InvoiceDate = new DateOnly(2026, 11, 2) });

        var restored = StoredExtraction.Deserialize(StoredExtraction.Serialize(original), new InvoiceValidator());

        Assert.Equal("INV-1", restored.Invoice.InvoiceId);
        Assert.Equal(100m, restored.Invoice.Subtotal);
        Assert.Equal(original.Usage, restored.Usage);
        Assert.Equal((original.Model, original.ModelVersion, original.ResponseId, original.Attempts, original.KeyId), (restored.Model, restored.ModelVersion, restored.ResponseId, restored.Attempts, restored.KeyId));
        Assert.Equal((original.OperationId, original.DocumentKind, original.PageCount, original.DocumentSha256), (restored.OperationId, restored.DocumentKind, restored.PageCount, restored.DocumentSha256));
        // Not stored: the call's own duration, replay flag and cache status are the restoring caller's to set.
        Assert.Equal((TimeSpan.Zero, false, ExtractionCacheStatus.None), (restored.Duration, restored.IsReplay, restored.CacheStatus));
    }

    [Fact]
    public void Deserialize_FindingsNotStored_RecomputedByTheGivenValidator()
    {
        var original = Result(new Invoice()) with { Findings = [] }; // an empty invoice: the validator finds required fields missing

        var restored = StoredExtraction.Deserialize(StoredExtraction.Serialize(original), new InvoiceValidator());

        Assert.Contains(restored.Findings, f => f.Code == InvoiceFindingCodes.RequiredFieldMissing);
    }

    [Fact]
    public void Deserialize_NotAStoredExtraction_ThrowsTyped()
    {
        Assert.Throws<InvoiceOcrException>(() => StoredExtraction.Deserialize("{\"invoice\":1}", new InvoiceValidator()));
        Assert.Throws<InvoiceOcrException>(() => StoredExtraction.Deserialize("null", new InvoiceValidator()));
    }

    [Fact]
    public void Versions_AreStableNonEmptyIdentifiers()
    {
        Assert.False(string.IsNullOrWhiteSpace(StoredExtraction.PromptVersion));
        Assert.Matches("^[0-9a-f]{12}$", StoredExtraction.SchemaVersion);
    }
}
