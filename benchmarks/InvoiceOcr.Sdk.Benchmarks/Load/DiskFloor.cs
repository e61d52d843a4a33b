using System.Diagnostics;
using System.Globalization;

namespace InvoiceOcr.Sdk.Benchmarks.Load;

/// <summary>
/// What one synced write costs on the disk the SQLite runs use, measured beside them: the least any design pays per call
/// when each billed record must survive a power loss before the call returns (one fsync on the call path, after the
/// model's answer). The load run also adds one such write to each call of the <c>SurvivesProcessCrash</c> path, which
/// measures the least the default durability can cost on this machine with today's store work, so a run on a slow disk
/// says so instead of reading as a regression.
/// </summary>
internal static class DiskFloor
{
    /// <summary>Writes per measurement: enough for a stable p50 in about half a second.</summary>
    private const int Writes = 400;

    /// <summary>The log frames a model call's commits write on the SQLite store (benchmarks/RESULTS.md, session 7).</summary>
    private const int FramesPerCall = 18;

    /// <summary>Measures, in a scratch file under <paramref name="directory"/>, one frame and one call's log frames, each written and synced after a pause.</summary>
    /// <param name="directory">A folder on the disk the SQLite store uses.</param>
    /// <returns>The table's rows.</returns>
    public static IReadOnlyList<Figure> Measure(string directory)
    {
        using var writer = new SyncedWriter(directory);
        return
        [
            Row("Disk floor, quiet: one 4 KiB write + fsync", Time(writer, frames: 1)),
            Row($"Disk floor, quiet: {FramesPerCall} log frames (a model call's SQLite pages) + fsync", Time(writer, FramesPerCall)),
        ];
    }

    private static Latencies Time(SyncedWriter writer, int frames)
    {
        var times = new Latencies();
        for (var i = 0; i < Writes; i++)
        {
            // A pause between writes, as between calls (a synced write right after another costs less: the device is awake).
            Thread.Sleep(1);
            var started = Stopwatch.GetTimestamp();
            writer.WriteAndSync(frames);
            times.Add(started);
        }

        return times;
    }

    private static Figure Row(string name, Latencies times) => new(
        name,
        string.Create(CultureInfo.InvariantCulture, $"{times.Percentile(0.50):0.000} ms (p99 {times.Percentile(0.99):0.000} ms, n={times.Count})"),
        string.Empty,
        null,
        "after a 1 ms pause, in a quiet loop; the same write inside a call costs more (see the SurvivesProcessCrash + one synced write row)");

    /// <summary>
    /// A scratch file in the SQLite runs' folder that takes log-frame-sized writes, each batch followed by an fsync. The
    /// writes walk a 4 MiB region written in full first, as SQLite's reused log does between checkpoints: rewriting the
    /// same blocks each time syncs faster on this VM's disk than walking fresh ones (session 10), which would understate it.
    /// </summary>
    internal sealed class SyncedWriter : IDisposable
    {
        private const int FrameBytes = 24 + 4096;
        private const int RegionFrames = 1000;

        private readonly string _path;
        private readonly FileStream _file;
        private readonly byte[] _frame = new byte[FrameBytes];
        private int _next;

        /// <summary>Creates the scratch file in <paramref name="directory"/>.</summary>
        /// <param name="directory">A folder on the disk the SQLite store uses.</param>
        public SyncedWriter(string directory)
        {
            _path = Path.Combine(directory, $"disk-floor-{Guid.NewGuid():N}.bin");
            _file = new FileStream(_path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            _file.Write(new byte[(RegionFrames + FramesPerCall) * FrameBytes]);
            _file.Flush(flushToDisk: true);
            Random.Shared.NextBytes(_frame);
        }

        /// <summary>Writes <paramref name="frames"/> frames at the next places in the region, then fsyncs the file.</summary>
        /// <param name="frames">How many frames.</param>
        public void WriteAndSync(int frames = 1)
        {
            for (var k = 0; k < frames; k++)
            {
                RandomAccess.Write(_file.SafeFileHandle, _frame, (long)_next * FrameBytes);
                _next = (_next + 1) % RegionFrames;
            }

            _file.Flush(flushToDisk: true);
        }

        /// <inheritdoc />
        public void Dispose()
        {
            _file.Dispose();
            File.Delete(_path);
        }
    }
}
