using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Samples.ConsoleApp.Commands;
using InvoiceOcr.Samples.ConsoleApp.Hosting;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Samples.ConsoleApp.Tests.Commands;

/// <summary>A refused call says which limit refused it, and which day boundary applies; the usage report says its days are UTC.</summary>
public sealed class QuotaMessageTests
{
    private static readonly string[] Documents =
    [
        SharedData.Invoice("zugferd/EN16931_Einfach.pdf"),
        SharedData.Invoice("zugferd/EN16931_Miete.pdf"),
        SharedData.Invoice("zugferd/EN16931_Rabatte.pdf"),
    ];

    /// <summary>The simulated runs' key, added by hand with a limit, as an administrator would.</summary>
    private static Task<int> AddEmulatorKeyAsync(ConsoleRun run, params string[] limits) =>
        run.RunAsync(["keys", "add", "--company", "acme", "--id", "emulator-key", "--secret", InProcessEmulator.Secret, "--project", InProcessEmulator.ProjectId, .. limits]);

    [Fact]
    public async Task Extract_RequestsPerMinuteUsedUp_SaysAPerMinuteRequestLimitWasReached()
    {
        using var run = new ConsoleRun();
        Assert.Equal(ExitCodes.Success, await AddEmulatorKeyAsync(run, "--rpm", "1"));

        var exitCode = await run.RunAsync(["extract", .. Documents, "--company", "acme", "--mode", "model-only", "--emulator"]);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Contains("[LocalQuotaExceeded] The per-minute request limit (RPM 1) of your company's AI token was reached. Please try again in", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("quota of your company is used up", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_RequestsPerDayUsedUp_SaysTheDayStartsAtPacificMidnight()
    {
        using var run = new ConsoleRun();
        Assert.Equal(ExitCodes.Success, await AddEmulatorKeyAsync(run, "--rpd", "1"));

        var exitCode = await run.RunAsync(["extract", .. Documents[..2], "--company", "acme", "--mode", "model-only", "--emulator"]);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Contains(
            "[LocalQuotaExceeded] The per-day request limit (RPD 1) of your company's AI token was reached; Google's days start at midnight Pacific time (America/Los_Angeles).",
            run.Output.ReplaceLineEndings(" "),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageReport_Table_SaysItsDaysAreUtcAndQuotaDaysArePacific()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("usage", "report", "--company", "acme");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("(UTC days)", run.Output, StringComparison.Ordinal);
        Assert.Contains(UsageCommand.UtcDaysNote, run.Output.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
