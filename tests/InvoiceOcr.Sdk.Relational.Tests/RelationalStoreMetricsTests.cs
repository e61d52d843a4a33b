namespace InvoiceOcr.Sdk.Relational.Tests;

public sealed class RelationalStoreMetricsTests
{
    [Theory]
    [InlineData("ReserveAsync", "reserve")]
    [InlineData("ListByCompanyAsync", "list_by_company")]
    [InlineData("InvoiceOcr.Sdk.IUsageLedger.GetAsync", "get")]
    [InlineData("Async", "other")]
    public void ToTagValue_CallingMember_IsSnakeCaseWithoutAsync(string member, string expected) =>
        Assert.Equal(expected, RelationalStoreMetrics.ToTagValue(member));
}
