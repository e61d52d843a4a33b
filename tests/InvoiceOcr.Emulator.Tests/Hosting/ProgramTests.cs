using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Emulator.Tests.Hosting;

/// <summary>Runs the emulator as a real process, the way users start it.</summary>
public sealed class ProgramTests
{
    [Fact]
    public async Task Program_WithConfigFile_PrintsAddressAndServesConfiguredKeys()
    {
        var ct = TestContext.Current.CancellationToken;
        var dll = Path.Combine(AppContext.BaseDirectory, "InvoiceOcr.Emulator.dll");
        var config = Path.Combine(SharedData.RepositoryRoot, "src", "InvoiceOcr.Emulator", "emulator.sample.json");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { dll, "--port", "0", "--config", config })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromMinutes(2), ct);
            var match = Regex.Match(line ?? string.Empty, @"listening on (http://127\.0\.0\.1:\d+/)");
            Assert.True(match.Success, $"unexpected first line: {line}; stderr: {(process.HasExited ? await process.StandardError.ReadToEndAsync(ct) : "")}");

            using var http = new HttpClient { BaseAddress = new Uri(match.Groups[1].Value) };
            using var request = new HttpRequestMessage(HttpMethod.Get, "v1beta/models");
            request.Headers.Add("x-goog-api-key", "test-key-alpha-1");
            using var response = await http.SendAsync(request, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("models/gemini-2.5-flash", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

            // The sample scripts two 503s for the first model calls.
            using var generate = new HttpRequestMessage(HttpMethod.Post, "v1beta/models/gemini-2.5-flash:generateContent")
            {
                Content = new StringContent("{\"contents\":[{\"parts\":[{\"text\":\"hi\"}]}]}", Encoding.UTF8, "application/json"),
            };
            generate.Headers.Add("x-goog-api-key", "test-key-revoked");
            using var revoked = await http.SendAsync(generate, ct);
            Assert.Equal(HttpStatusCode.Forbidden, revoked.StatusCode);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(ct);
        }
    }

    [Fact]
    public async Task Program_MissingConfigFile_ExitsWithCode2AndSaysWhy()
    {
        var ct = TestContext.Current.CancellationToken;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "InvoiceOcr.Emulator.dll"), "--config", "/nonexistent/emulator.json" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("Config file not found", stderr, StringComparison.Ordinal);
    }
}
