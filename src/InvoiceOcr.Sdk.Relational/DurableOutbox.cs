using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// A local, append-only, crash-safe outbox for records that must never be lost (usage records) while the
/// database is unreachable. Each record is one JSON line carrying a SHA-256 checksum of its payload; every
/// append is flushed to disk (fsync) before it returns. Each process appends to its own file, held under an
/// exclusive OS lock; replay takes any file no live process holds (its own, after rotating, or one left by a
/// killed process), commits its records through an idempotent delegate, and deletes it.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
/// <remarks>
/// Replay is at-least-once at the file level and exactly-once in effect: the commit delegate must ignore
/// records it already holds (a unique id), so a replay interrupted by a crash and done again adds nothing.
/// A line cut short by a crash fails its checksum and is skipped: its caller was never told it was durable.
/// </remarks>
internal sealed class DurableOutbox<T> : IDisposable
{
    private const string FilePrefix = "outbox-";
    private const string FileExtension = ".jsonl";

    private readonly JsonTypeInfo<T> _typeInfo;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TimeProvider _timeProvider;
    private FileStream? _current;
    private bool _disposed;

    /// <summary>Creates an outbox in a folder (created when missing).</summary>
    /// <param name="directory">The folder that holds the outbox files. All processes sharing a database should share it.</param>
    /// <param name="typeInfo">How to serialize a record.</param>
    /// <param name="timeProvider">The clock used to name files.</param>
    public DurableOutbox(string directory, JsonTypeInfo<T> typeInfo, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(typeInfo);
        Directory = Path.GetFullPath(directory);
        _typeInfo = typeInfo;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Gets the folder that holds the outbox files.</summary>
    public string Directory { get; }

    /// <summary>Gets how many corrupt (torn) lines replay has skipped.</summary>
    public long CorruptLinesSkipped => Interlocked.Read(ref _corruptLines);

    private long _corruptLines;

    /// <summary>Returns whether any outbox file exists in the folder (this process's or another's).</summary>
    /// <returns><see langword="true"/> when records may be waiting for replay.</returns>
    public bool HasPending() =>
        System.IO.Directory.Exists(Directory) &&
        System.IO.Directory.EnumerateFiles(Directory, FilePrefix + "*" + FileExtension).Any();

    /// <summary>Appends records and flushes them to disk before returning.</summary>
    /// <param name="records">The records.</param>
    /// <param name="cancellationToken">Cancels waiting for the outbox lock.</param>
    /// <returns>A task that completes when the records are on disk.</returns>
    public async Task AppendAsync(IReadOnlyList<T> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var stream = _current ??= OpenNewFile();
            var buffer = new MemoryStream();
            foreach (var record in records)
            {
                var payload = JsonSerializer.Serialize(record, _typeInfo);
                var line = JsonSerializer.Serialize(new OutboxLine(1, Checksum(payload), payload), OutboxJsonContext.Default.OutboxLine);
                var bytes = Encoding.UTF8.GetBytes(line + "\n");
                buffer.Write(bytes);
            }

            buffer.Position = 0;
            await buffer.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Replays every outbox file that no live process holds: this process's current file is closed first
    /// (new appends go to a new file), then each file is read, committed in chunks and deleted.
    /// </summary>
    /// <param name="commit">Commits records idempotently (a record already present is a no-op).</param>
    /// <param name="chunkSize">How many records are committed together.</param>
    /// <param name="cancellationToken">Stops between chunks; the file stays for the next replay.</param>
    /// <returns>How many records were handed to <paramref name="commit"/>.</returns>
    public async Task<int> ReplayAsync(Func<IReadOnlyList<T>, CancellationToken, Task> commit, int chunkSize = 256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        if (!System.IO.Directory.Exists(Directory))
        {
            return 0;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_current is not null)
            {
                await _current.DisposeAsync().ConfigureAwait(false);
                _current = null;
            }
        }
        finally
        {
            _gate.Release();
        }

        var replayed = 0;
        var files = System.IO.Directory.EnumerateFiles(Directory, FilePrefix + "*" + FileExtension).Order(StringComparer.Ordinal).ToList();
        foreach (var path in files)
        {
            List<T> records;
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
            }
            catch (FileNotFoundException)
            {
                continue; // Another process replayed and deleted it.
            }
            catch (IOException)
            {
                continue; // A live process holds it: that process replays it.
            }

            await using (stream.ConfigureAwait(false))
            {
                records = await ReadRecordsAsync(stream, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < records.Count; i += chunkSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var chunk = records.GetRange(i, Math.Min(chunkSize, records.Count - i));
                    await commit(chunk, cancellationToken).ConfigureAwait(false);
                    replayed += chunk.Count;
                }
            }

            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Another replayer opened it between our close and delete; it replays idempotently and deletes it.
            }
        }

        return replayed;
    }

    /// <summary>Closes this process's current file; its records stay on disk for replay.</summary>
    public void Dispose()
    {
        _gate.Wait();
        try
        {
            _current?.Dispose();
            _current = null;
            _disposed = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    private FileStream OpenNewFile()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var name = string.Create(
            CultureInfo.InvariantCulture,
            $"{FilePrefix}{_timeProvider.GetUtcNow():yyyyMMddHHmmssfff}-{Guid.NewGuid():N}{FileExtension}");
        return new FileStream(Path.Combine(Directory, name), FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.None);
    }

    private async Task<List<T>> ReadRecordsAsync(FileStream stream, CancellationToken cancellationToken)
    {
        var records = new List<T>();
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (TryParse(line, out var record))
            {
                records.Add(record);
            }
            else
            {
                Interlocked.Increment(ref _corruptLines);
            }
        }

        return records;
    }

    private bool TryParse(string line, out T record)
    {
        record = default!;
        try
        {
            var envelope = JsonSerializer.Deserialize(line, OutboxJsonContext.Default.OutboxLine);
            if (envelope is null || envelope.V != 1 || envelope.Payload is null || !string.Equals(envelope.Sum, Checksum(envelope.Payload), StringComparison.Ordinal))
            {
                return false;
            }

            var value = JsonSerializer.Deserialize(envelope.Payload, _typeInfo);
            if (value is null)
            {
                return false;
            }

            record = value;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Checksum(string payload) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)));
}
