using System.Diagnostics;
using System.Globalization;

namespace InvoiceOcr.Sdk.Benchmarks.Load;

/// <summary>
/// What one synced write costs on the disk the SQLite runs use, measured beside them: the least any design pays per call
/// when each billed record must survive a power loss before the call returns (one fsync on the call path, after the
/// model's answer). With the same run's overhead without any fsync (<c>SurvivesProcessCrash</c>) it bounds from below what
/// the default durability can reach on this machine, so a run on a slow disk says so instead of reading as a regression.
/// </summary>
internal static class DiskFloor
{
    /// <summary>Writes per measurement: enough for a stable p50 in about half a second.</summary>
    private const int Writes = 400;

    /// <summary>A SQLite write-ahead-log frame: a 24-byte header and one 4 KiB page.</summary>
    private const int FrameBytes = 24 + 4096;

    /// <summary>The log frames a model call's commits write on the SQLite store (benchmarks/RESULTS.md, session 7).</summary>
    private const int FramesPerCall = 18;

    /// <summary>
    /// The region the writes walk through, as SQLite's log does between checkpoints (~1,000 frames, ~4 MiB): rewriting the
    /// same blocks each time syncs faster on this VM's disk than fresh ones (session 10), which would understate the floor.
    /// </summary>
    private const int RegionFrames = 1000;

    /// <summary>Measures, in a scratch file under <paramref name="directory"/>, one small overwrite and one call's log frames, each followed by an fsync.</summary>
    /// <param name="directory">A folder on the disk the SQLite store uses.</param>
    /// <returns>The p50 of each, in milliseconds, and the table's rows.</returns>
    public static (double OneWriteP50, IReadOnlyList<Figure> Figures) Measure(string directory)
    {
        var path = Path.Combine(directory, $"disk-floor-{Guid.NewGuid():N}.bin");
        try
        {
            // Written in full and synced first: the measured writes overwrite allocated blocks, as SQLite's reused log does.
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            file.Write(new byte[(RegionFrames + FramesPerCall) * FrameBytes]);
            file.Flush(flushToDisk: true);
            var one = Time(file, frames: 1);
            var call = Time(file, FramesPerCall);
            return (one.Percentile(0.50),
            [
                Row("Disk floor: one 4 KiB write + fsync (the least a synced commit or log append costs here)", one),
                Row($"Disk floor: {FramesPerCall} log frames (a model call's SQLite pages) + fsync", call),
            ]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Latencies Time(FileStream file, int frames)
    {
        var frame = new byte[FrameBytes];
        Random.Shared.NextBytes(frame);
        var times = new Latencies();
        var next = 0;
        for (var i = 0; i < Writes; i++)
        {
            // A pause between writes, as between calls (a synced write right after another costs less: the device is awake).
            Thread.Sleep(1);
            var started = Stopwatch.GetTimestamp();
            for (var k = 0; k < frames; k++)
            {
                RandomAccess.Write(file.SafeFileHandle, frame, (long)next * FrameBytes);
                next = (next + 1) % RegionFrames;
            }

            file.Flush(flushToDisk: true);
            times.Add(started);
        }

        return times;
    }

    private static Figure Row(string name, Latencies times) => new(
        name,
        string.Create(CultureInfo.InvariantCulture, $"{times.Percentile(0.50):0.000} ms (p99 {times.Percentile(0.99):0.000} ms, n={times.Count})"),
        string.Empty,
        null,
        "fsync after a 1 ms pause, walking a 4 MiB preallocated file like SQLite's log, in the SQLite runs' folder");
}
