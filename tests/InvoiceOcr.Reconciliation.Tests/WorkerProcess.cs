using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// One reconciliation worker (<c>dotnet InvoiceOcr.Reconciliation.Worker.dll ...</c>) as a real OS process, with every
/// line it wrote to stdout and stderr. Its journal (<c>begin n</c> / <c>end n …</c>) says which calls it started and
/// which returned; a killed worker's journal says which calls were in flight when it died.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private int _ends;
    private int _diversions;

    private static readonly string UsageOutbox = Path.DirectorySeparatorChar + "usage ";

    private WorkerProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    /// <summary>Gets every stdout line so far.</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>Gets every stderr line so far (the database logger's fallback sink, and any crash).</summary>
    public IReadOnlyCollection<string> Errors => _errors;

    /// <summary>Gets a value indicating whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Gets how many calls have returned or thrown.</summary>
    public int Ends => Volatile.Read(ref _ends);

    /// <summary>
    /// Gets how many batches of usage records the worker diverted to its durable outbox (event 4101 for the usage outbox).
    /// Batches are committed one after another and each is logged before it is appended, so once this reaches n, at
    /// least n − 1 batches are fsync'd in the outbox.
    /// </summary>
    public int Diversions => Volatile.Read(ref _diversions);

    public static string WorkerPath
    {
        get
        {
            // tests/InvoiceOcr.Reconciliation.Tests/bin/<Configuration>/net10.0 -> tests/InvoiceOcr.Reconciliation.Worker/bin/<Configuration>/net10.0
            var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = baseDir.Name;
            var configuration = baseDir.Parent!.Name;
            var testsRoot = baseDir.Parent!.Parent!.Parent!.Parent!.FullName;
            var path = Path.Combine(testsRoot, "InvoiceOcr.Reconciliation.Worker", "bin", configuration, framework, "InvoiceOcr.Reconciliation.Worker.dll");
            Assert.True(File.Exists(path), "The reconciliation worker was not built at " + path);
            return path;
        }
    }

    public static WorkerProcess Start(string name, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(WorkerPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process, name);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }

            worker._lines.Enqueue(line);
            if (line.StartsWith("end ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref worker._ends);
            }
            else if (IsEvent(line, 4101) && line.Contains(UsageOutbox, StringComparison.Ordinal))
            {
                Interlocked.Increment(ref worker._diversions);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                worker._errors.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Whether a log line is the event with this id ("log &lt;Level&gt; &lt;Category&gt; &lt;EventId&gt; …").</summary>
    public static bool IsEvent(string line, int eventId)
    {
        if (!line.StartsWith("log ", StringComparison.Ordinal))
        {
            return false;
        }

        var parts = line.Split(' ', 5);
        return parts.Length == 5 && parts[3] == eventId.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Gets the call numbers that began, and those that ended, by what the worker wrote.</summary>
    public (HashSet<int> Begun, Dictionary<int, string[]> Ended) Journal()
    {
        var begun = new HashSet<int>();
        var ended = new Dictionary<int, string[]>();
        foreach (var line in _lines)
        {
            var parts = line.Split(' ');
            if (parts[0] == "begin")
            {
                Assert.True(begun.Add(int.Parse(parts[1], CultureInfo.InvariantCulture)), Name + " began a call twice: " + line);
            }
            else if (parts[0] == "end")
            {
                Assert.True(ended.TryAdd(int.Parse(parts[1], CultureInfo.InvariantCulture), parts[2..]), Name + " ended a call twice: " + line);
            }
        }

        return (begun, ended);
    }

    /// <summary>Waits (polling) until <paramref name="condition"/> holds; fails if the worker exits first or the time runs out.</summary>
    public async Task WaitUntilAsync(Func<WorkerProcess, bool> condition, string what, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!condition(this))
        {
            if (_process.HasExited)
            {
                Assert.Fail($"{Name} exited (code {_process.ExitCode}) before {what}. Errors:\n{string.Join('\n', _errors)}");
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                Assert.Fail($"{Name} did not reach '{what}' within {timeout}. Errors:\n{string.Join('\n', _errors)}");
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Waits for the worker to exit and for its output to be read to the end; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{Name} did not exit within {timeout} ({Ends} calls ended). Errors:\n{string.Join('\n', _errors)}");
        }

        _process.WaitForExit(); // the redirected streams are read to the end
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no finally block, no flush, no dispose runs in the worker.</summary>
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
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
