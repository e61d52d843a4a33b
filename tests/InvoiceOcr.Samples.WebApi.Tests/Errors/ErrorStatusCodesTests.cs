using InvoiceOcr.Samples.WebApi.Errors;
using Microsoft.AspNetCore.Http;

namespace InvoiceOcr.Samples.WebApi.Tests.Errors;

/// <summary>Statuses and tenant-facing messages of every SDK error kind.</summary>
public sealed class ErrorStatusCodesTests
{
    [Fact]
    public void For_QuotaKindWithoutRetryAfter_403AndWithRetryAfter_429()
    {
        foreach (var kind in new[] { InvoiceOcrErrorKind.LocalQuotaExceeded, InvoiceOcrErrorKind.RateLimitedPerMinute, InvoiceOcrErrorKind.QuotaExhausted, InvoiceOcrErrorKind.QuotaExhaustedPerDay })
        {
            Assert.Equal(StatusCodes.Status403Forbidden, ErrorStatusCodes.For(new InvoiceOcrException(kind, "x")));
            Assert.Equal(StatusCodes.Status429TooManyRequests, ErrorStatusCodes.For(new InvoiceOcrException(kind, "x") { RetryAfter = TimeSpan.FromSeconds(5) }));
        }
    }

    [Fact]
    public void For_DuplicateOperation_409()
    {
        Assert.Equal(StatusCodes.Status409Conflict, ErrorStatusCodes.For(new InvoiceOcrException(InvoiceOcrErrorKind.DuplicateOperation, "x")));
    }

    [Theory]
    [InlineData(InvoiceOcrErrorKind.JobTransitionRejected)]
    [InlineData(InvoiceOcrErrorKind.JobVersionConflict)]
    public void For_JobRefusals_409WithTheirOwnTitle(InvoiceOcrErrorKind kind)
    {
        var error = new InvoiceOcrException(kind, "x");
        Assert.Equal(StatusCodes.Status409Conflict, ErrorStatusCodes.For(error));
        Assert.Equal("The job's state does not allow this", ErrorStatusCodes.Title(error, StatusCodes.Status409Conflict));
    }

    [Fact]
    public void TenantMessages_EveryKindButThoseWrittenForEndUsers_HidesTheSdksMessage()
    {
        const string Internal = "The circuit of key nt047-k1 is open; raise Gemini:MaxOutputTokens.";
        var passThrough = new[]
        {
            InvoiceOcrErrorKind.InvalidDocument, InvoiceOcrErrorKind.NoKeyAvailable, InvoiceOcrErrorKind.KeyExpired,
            InvoiceOcrErrorKind.KeyDisabled, InvoiceOcrErrorKind.LocalQuotaExceeded,
        };
        foreach (var kind in Enum.GetValues<InvoiceOcrErrorKind>().Except(passThrough))
        {
            var message = TenantMessages.For(new InvoiceOcrException(kind, Internal));
            Assert.False(string.IsNullOrWhiteSpace(message));
            Assert.DoesNotContain("nt047", message, StringComparison.Ordinal);
            Assert.DoesNotContain("Gemini:", message, StringComparison.Ordinal);
            Assert.DoesNotContain("circuit", message, StringComparison.OrdinalIgnoreCase);
        }
    }
}
