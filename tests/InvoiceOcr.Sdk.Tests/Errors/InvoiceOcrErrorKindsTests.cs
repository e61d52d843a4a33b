namespace InvoiceOcr.Sdk.Tests.Errors;

public sealed class InvoiceOcrErrorKindsTests
{
    [Theory]
    [InlineData(InvoiceOcrErrorKind.ServerError, true)]
    [InlineData(InvoiceOcrErrorKind.Timeout, true)]
    [InlineData(InvoiceOcrErrorKind.NetworkFailure, true)]
    [InlineData(InvoiceOcrErrorKind.RateLimitedPerMinute, true)]
    [InlineData(InvoiceOcrErrorKind.InvalidDocument, false)]
    [InlineData(InvoiceOcrErrorKind.BadRequest, false)]
    [InlineData(InvoiceOcrErrorKind.ModelNotFound, false)]
    [InlineData(InvoiceOcrErrorKind.ContentBlocked, false)]
    [InlineData(InvoiceOcrErrorKind.QuotaExhaustedPerDay, false)]
    [InlineData(InvoiceOcrErrorKind.KeyInvalid, false)]
    public void IsTransient_Kind_MatchesRetryRules(InvoiceOcrErrorKind kind, bool expected)
    {
        Assert.Equal(expected, InvoiceOcrErrorKinds.IsTransient(kind));
        Assert.Equal(expected, new InvoiceOcrException(kind, "x").IsTransient);
    }

    [Theory]
    [InlineData(InvoiceOcrErrorKind.KeyInvalid, true)]
    [InlineData(InvoiceOcrErrorKind.KeyRevoked, true)]
    [InlineData(InvoiceOcrErrorKind.QuotaExhaustedPerDay, true)]
    [InlineData(InvoiceOcrErrorKind.RateLimitedPerMinute, false)]
    [InlineData(InvoiceOcrErrorKind.ServerError, false)]
    public void IsKeyFault_Kind_MatchesFailoverRules(InvoiceOcrErrorKind kind, bool expected)
    {
        Assert.Equal(expected, new InvoiceOcrException(kind, "x").IsKeyFault);
    }
}
