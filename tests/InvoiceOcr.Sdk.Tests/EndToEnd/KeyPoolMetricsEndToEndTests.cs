using System.Diagnostics.Metrics;
using InvoiceOcr.Emulator;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace InvoiceOcr.Sdk.Tests.EndToEnd;

/// <summary>The SDK's GenAI metrics from a real extraction over HTTP: the right names and values, no tenant or secret in any tag.</summary>
public sealed class KeyPoolMetricsEndToEndTests
{
    private const string Company = "company-metrics-e2e-5c1f";
    private const string Secret = "test-key-e2e-metrics-secret-0001";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ExtractAsync_RetriedExtraction_EmitsGenAiTokenUsageAndDurationWithoutCompanyOrSecretInAnyTag()
    {
        await using var sdk = await EmulatedSdk.StartAsync(
            emulator => emulator.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-a", Project = "project-a" }),
            options => options.EInvoiceMode = EInvoiceMode.ModelOnly);
        await sdk.AddKeyAsync(Company, "key-metrics-a", Secret, "project-a");
        sdk.Emulator.InjectFault(EmulatorFaultKind.Unavailable, count: 1);
        var meters = sdk.Services.GetRequiredService<IMeterFactory>();
        using var tokens = new MetricCollector<long>(meters, InvoiceOcrTelemetry.MeterName, "gen_ai.client.token.usage");
        using var duration = new MetricCollector<double>(meters, InvoiceOcrTelemetry.MeterName, "gen_ai.client.operation.duration");
        using var retries = new MetricCollector<long>(meters, InvoiceOcrTelemetry.MeterName, InvoiceOcrTelemetry.RetriesInstrument);
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Einfach.pdf"), Ct);

        var result = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company) { RequestedBy = "alice", Branch = "Berlin" }, Ct);

        var billed = Assert.Single(sdk.Emulator.Ledger.Entries);
        var measured = tokens.GetMeasurementSnapshot();
        Assert.Equal(2, measured.Count);
        var input = Assert.Single(measured, m => Equals(m.Tags["gen_ai.token.type"], "input"));
        var output = Assert.Single(measured, m => Equals(m.Tags["gen_ai.token.type"], "output"));
        Assert.Equal(billed.PromptTokenCount, input.Value);
        Assert.Equal(billed.CandidatesTokenCount + billed.ThoughtsTokenCount, output.Value);
        Assert.Equal(result.Usage.InputTokens, input.Value);
        Assert.All(measured, m =>
        {
            Assert.Equal("generate_content", m.Tags["gen_ai.operation.name"]);
            Assert.Equal(result.Model, m.Tags["gen_ai.request.model"]);
        });

        // One duration per attempt: the 503 (with error.type) and the success.
        var durations = duration.GetMeasurementSnapshot();
        Assert.Equal(2, durations.Count);
        Assert.Single(durations, d => Equals(d.Tags.GetValueOrDefault("error.type"), nameof(InvoiceOcrErrorKind.ServerError)));
        Assert.Single(durations, d => !d.Tags.ContainsKey("error.type"));
        Assert.All(durations, d => Assert.True(d.Value >= 0));
        Assert.Equal(1, Assert.Single(retries.GetMeasurementSnapshot()).Value);

        var allTags = measured.SelectMany(m => m.Tags)
            .Concat(durations.SelectMany(d => d.Tags))
            .Concat(retries.GetMeasurementSnapshot().SelectMany(r => r.Tags))
            .ToList();
        Assert.NotEmpty(allTags);
        Assert.All(allTags, tag =>
        {
            Assert.DoesNotContain("company", tag.Key, StringComparison.OrdinalIgnoreCase);
            var value = Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
            Assert.DoesNotContain(Company, value, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, value, StringComparison.Ordinal);
            Assert.DoesNotContain(ApiKeySecrets.Mask(Secret), value, StringComparison.Ordinal);
            Assert.DoesNotContain("alice", value, StringComparison.Ordinal);
            Assert.DoesNotContain("key-metrics-a", value, StringComparison.Ordinal);
        });
    }
}
