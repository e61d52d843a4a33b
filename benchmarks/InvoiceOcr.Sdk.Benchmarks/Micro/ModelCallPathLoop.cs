using System.Diagnostics;
using System.Globalization;

namespace InvoiceOcr.Sdk.Benchmarks.Micro;

/// <summary>
/// Runs <see cref="ModelCallPathBenchmarks"/> in a plain loop for a profiler to attach to (<c>dotnet-trace collect</c>):
/// <c>model-call-loop [seconds] [types]</c> (<c>types</c>: also what is allocated, by type, see <see cref="AllocationSampler"/>). Prints the mean time, the process CPU time (every thread: the collector's too), the managed bytes allocated, the collections and the GC pause per call, every second.
/// </summary>
internal static class ModelCallPathLoop
{
    public const string Command = "model-call-loop";

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 0 && double.TryParse(args[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 10;
        using var sampler = args.Contains("types") ? new AllocationSampler() : null;
        long totalCalls = 0;
        using var process = Process.GetCurrentProcess();
        var benchmark = new ModelCallPathBenchmarks();
        await benchmark.SetupAsync();
        try
        {
            for (var i = 0; i < 2_000; i++)
            {
                await benchmark.ModelCallPath();
            }

            sampler?.Start();
            var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < until)
            {
                var calls = 0;
                var bytes = GC.GetTotalAllocatedBytes(precise: true);
                var (gen0, gen1, gen2, paused) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
                var cpu = process.TotalProcessorTime;
                var started = Stopwatch.GetTimestamp();
                while (Stopwatch.GetElapsedTime(started).TotalSeconds < 1)
                {
                    await benchmark.ModelCallPath();
                    calls++;
                }

                totalCalls += calls;

                var elapsed = Stopwatch.GetElapsedTime(started);
                var allocated = GC.GetTotalAllocatedBytes(precise: true) - bytes;
                var pause = GC.GetTotalPauseDuration() - paused;
                process.Refresh();
                var cpuPerCall = (process.TotalProcessorTime - cpu).TotalMicroseconds / calls;
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{calls} calls, {elapsed.TotalMicroseconds / calls:0.0} us/call ({cpuPerCall:0.0} us CPU), {allocated / (double)calls:0} B/call, GCs gen0/1/2 {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}, paused {pause.TotalMicroseconds / calls:0.0} us/call, heap {GC.GetTotalMemory(false) / 1048576.0:0} MiB"));
            }
        }
        finally
        {
            sampler?.Stop();
            await benchmark.CleanupAsync();
        }

        sampler?.Print(Console.Out, totalCalls);
        return 0;
    }
}
