using System.Collections.Concurrent;
using System.Diagnostics;

namespace InvoiceOcr.Sdk.Sqlite.Tests;

/// <summary>Starts the test host (<c>dotnet InvoiceOcr.Sdk.Sqlite.TestHost.dll ...</c>) as a real OS process and collects its output lines.</summary>
public sealed class TestHostProcess : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];
    private readonly ConcurrentQueue<string> _errors = new();

    private TestHostProcess(Process process)
    {
        _process = process;
    }

    public static string HostPath
    {
        get
        {
            // tests/InvoiceOcr.Sdk.Sqlite.Tests/bin/<Configuration>/net10.0 -> tests/InvoiceOcr.Sdk.Sqlite.TestHost/bin/<Configuration>/net10.0
            var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = baseDir.Name;
            var configuration = baseDir.Parent!.Name;
            var testsRoot = baseDir.Parent!.Parent!.Parent!.Parent!.FullName;
            var path = Path.Combine(testsRoot, "InvoiceOcr.Sdk.Sqlite.TestHost", "bin", configuration, framework, "InvoiceOcr.Sdk.Sqlite.TestHost.dll");
            Assert.True(File.Exists(path), "The test host was not built at " + path);
            return path;
        }
    }

    public static TestHostProcess Start(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(HostPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var host = new TestHostProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                host._lines.CompleteAdding();
            }
            else
            {
                host._lines.Add(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                host._errors.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    public string Errors => string.Join("\n", _errors);

    /// <summary>Reads lines until <paramref name="stop"/> says so or the output ends.</summary>
    public List<string> ReadLines(Func<List<string>, bool> stop, TimeSpan timeout)
    {
        var lines = new List<string>();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            foreach (var line in _lines.GetConsumingEnumerable(cts.Token))
            {
                lines.Add(line);
                if (stop(lines))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The test host did not produce the expected output in {timeout}. Got {lines.Count} lines. Errors:\n{Errors}");
        }

        return lines;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        _lines.Dispose();
    }
}
