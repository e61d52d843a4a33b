using System.Diagnostics;
using System.Diagnostics.Metrics;
using InvoiceOcr.Sdk.Tests.Keys;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace InvoiceOcr.Sdk.Tests.Diagnostics;

public sealed class InvoiceOcrTelemetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ExecuteAsync_AnyCall_StartsAnActivityOnTheSdkSourceWithoutSecrets()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == InvoiceOcrTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (activities)
                {
                    activities.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1");
        var request = KeyPoolHarness.Request("c-1");

        await h.RunAsync(request, Ct);

        Activity activity;
        lock (activities)
        {
            activity = Assert.Single(activities, a => Equals(a.GetTagItem("invoiceocr.operation_id"), request.OperationId));
        }

        Assert.Equal("gemini-2.5-flash", activity.GetTagItem("gen_ai.request.model"));
        Assert.Equal("k-1", activity.GetTagItem("invoiceocr.key_id"));
        Assert.Equal(1, activity.GetTagItem("invoiceocr.attempts"));
        Assert.DoesNotContain(activity.Tags, t => t.Value is not null && t.Value.Contains("test-key-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeyStatusChangesAndQuotaRejections_AreCountedWithoutCompanyTags()
    {
        await using var h = KeyPoolHarness.Create();
        var meters = h.Services.GetRequiredService<IMeterFactory>();
        using var changes = new MetricCollector<long>(meters, InvoiceOcrTelemetry.MeterName, InvoiceOcrTelemetry.KeyStatusChangesInstrument);
        using var rejections = new MetricCollector<long>(meters, InvoiceOcrTelemetry.MeterName, InvoiceOcrTelemetry.QuotaRejectionsInstrument);
        await h.AddKeyAsync("k-1", "c-1", expiresAt: KeyPoolHarness.DefaultStart.AddSeconds(1), rates: new QuotaLimits { RequestsPerMinute = 1 });
        await h.Tokens.AcquireAsync(new KeyLeaseRequest("c-1", "gemini-2.5-flash", 1), Ct);
        await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(new KeyLeaseRequest("c-1", "gemini-2.5-flash", 1), Ct));
        h.Time.Advance(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(new KeyLeaseRequest("c-1", "gemini-2.5-flash", 1), Ct));

        var rejection = Assert.Single(rejections.GetMeasurementSnapshot());
        Assert.Equal(nameof(QuotaRejectionReason.KeyMinuteLimit), rejection.Tags["invoiceocr.quota.reason"]);
        var change = Assert.Single(changes.GetMeasurementSnapshot());
        Assert.Equal(nameof(ApiKeyStatus.Expired), change.Tags["invoiceocr.key.status"]);
        Assert.DoesNotContain(change.Tags.Values.Concat(rejection.Tags.Values), v => Equals(v, "c-1") || Equals(v, "k-1"));
    }
}
