using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace InvoiceOcr.Sdk.Tests.Documents;

/// <summary>
/// The issue-14 bomb, measured in its own process: a ~400 KB PDF whose attachment inflates to 400 MiB goes through intake
/// and <see cref="EInvoiceReader.ReadPdf"/> in a child process (<c>InvoiceOcr.Fuzz.dll inspect FILE</c>), which reports its
/// peak working set. Before the capped inflation the same file took a console to a 1.1 GB peak.
/// </summary>
public sealed partial class AttachmentBombMemoryTests
{
    private const long PeakLimitBytes = 300L * 1024 * 1024;

    [Fact]
    public async Task Inspect_400MiBAttachmentBomb_TypedRejectionAndPeakUnder300MB()
    {
        var pdf = HostilePdfs.AttachmentBomb("factur-x.xml", 400L * 1024 * 1024);
        Assert.InRange(pdf.Length, 300_000, 500_000);
        var path = Path.Combine(Path.GetTempPath(), "invoiceocr-bomb-" + Guid.NewGuid().ToString("N") + ".pdf");
        await File.WriteAllBytesAsync(path, pdf, TestContext.Current.CancellationToken);
        try
        {
            var output = await RunHostAsync("inspect", path);

            var match = OutcomeLine().Match(output);
            Assert.True(match.Success, "Unexpected output: " + output);
            Assert.Equal("Rejected:TooLarge", match.Groups["inspect"].Value);
            Assert.Equal("Rejected:TooLarge", match.Groups["readPdf"].Value);
            var peak = long.Parse(match.Groups["peak"].Value, CultureInfo.InvariantCulture);
            Assert.True(peak < PeakLimitBytes, $"peak working set {peak / (1024 * 1024)} MB is not under 300 MB");
            TestContext.Current.SendDiagnosticMessage($"400 MiB attachment bomb ({pdf.Length:N0} bytes): peak working set {peak / (1024 * 1024)} MB, allocated {long.Parse(match.Groups["allocated"].Value, CultureInfo.InvariantCulture) / (1024 * 1024)} MB");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<string> RunHostAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(HostPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");
        return await stdout;
    }

    private static string HostPath
    {
        get
        {
            // tests/InvoiceOcr.Sdk.Tests/bin/<Configuration>/net10.0 -> tests/InvoiceOcr.Fuzz/bin/<Configuration>/net10.0
            var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var path = Path.Combine(baseDir.Parent!.Parent!.Parent!.Parent!.FullName, "InvoiceOcr.Fuzz", "bin", baseDir.Parent.Name, baseDir.Name, "InvoiceOcr.Fuzz.dll");
            Assert.True(File.Exists(path), "The fuzz host was not built at " + path);
            return path;
        }
    }

    [GeneratedRegex(@"inspect=(?<inspect>\S+) readPdf=(?<readPdf>\S+) peakWorkingSetBytes=(?<peak>[0-9]+) totalAllocatedBytes=(?<allocated>[0-9]+)")]
    private static partial Regex OutcomeLine();
}
