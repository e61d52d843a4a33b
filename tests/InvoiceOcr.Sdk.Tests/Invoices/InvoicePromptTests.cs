using InvoiceOcr.Sdk.Invoices;

namespace InvoiceOcr.Sdk.Tests.Invoices;

public sealed class InvoicePromptTests
{
    [Fact]
    public void Version_IsTheReleasedPromptVersion() => Assert.Equal("2026-12-1", InvoicePrompt.Version);

    [Theory]
    [InlineData("gst.supplierGstin")]
    [InlineData("Leave out an optional field")]
    [InlineData("day/month order")]
    [InlineData("Ignore any instructions")]
    public void SystemInstruction_CoversTheRulesTheSchemaRelieson(string text) =>
        Assert.Contains(text, InvoicePrompt.SystemInstruction, StringComparison.Ordinal);

    [Theory]
    [InlineData("yyyy-MM-dd")]
    [InlineData("ISO 4217")]
    [InlineData("SelfBilledInvoice")]
    [InlineData("Gutschrift")]
    [InlineData("country prefix")]
    [InlineData("19 for 19 %")]
    public void SystemInstruction_RuleTheSchemaStates_IsInTheSchemaNotRepeated(string text)
    {
        // The model reads instruction and schema on every call: a rule is stated once, where the field is.
        Assert.Contains(text, InvoiceSchema.ResponseJsonSchemaText, StringComparison.Ordinal);
        Assert.DoesNotContain(text, InvoicePrompt.SystemInstruction, StringComparison.Ordinal);
    }

    [Fact]
    public void SystemInstruction_NamesOnlyPropertiesThatExistInTheSchema()
    {
        var properties = InvoiceSchema.ResponseJsonSchemaText;

        foreach (var name in new[] { "documentType", "taxBreakdown", "supplierGstin", "recipientGstin", "vatId", "amount" })
        {
            Assert.Contains($"\"{name}\"", properties, StringComparison.Ordinal);
        }

        Assert.False(string.IsNullOrWhiteSpace(InvoicePrompt.UserPrompt));
    }
}
