using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Files;

/// <summary>An uploaded file, owned by one project.</summary>
internal sealed class StoredFile
{
    public required string Id { get; init; }

    public required string Project { get; init; }

    public required string DisplayName { get; init; }

    public required string MimeType { get; init; }

    public required byte[] Data { get; init; }

    public required DateTimeOffset CreateTime { get; init; }

    public required DateTimeOffset ActiveTime { get; init; }

    public required DateTimeOffset ExpirationTime { get; init; }

    public string Sha256Hex => Convert.ToHexStringLower(SHA256.HashData(Data));

    public bool IsActive(DateTimeOffset now) => now >= ActiveTime;

    /// <summary>The File resource, fields in proto order; <c>sizeBytes</c> is a string (int64), as recorded.</summary>
    public JsonObject ToJson(string baseAddress, DateTimeOffset now)
    {
        var active = IsActive(now);
        return new JsonObject
        {
            ["name"] = "files/" + Id,
            ["displayName"] = DisplayName,
            ["mimeType"] = MimeType,
            ["sizeBytes"] = Data.LongLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["createTime"] = WireJson.Timestamp(CreateTime),
            ["updateTime"] = WireJson.Timestamp(active ? ActiveTime : CreateTime),
            ["expirationTime"] = WireJson.Timestamp(ExpirationTime),
            // The real service sends the hex digest's characters as proto bytes, i.e. base64 of the hex string.
            ["sha256Hash"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(Sha256Hex)),
            ["uri"] = baseAddress + "v1beta/files/" + Id,
            ["state"] = active ? "ACTIVE" : "PROCESSING",
            ["source"] = "UPLOADED",
        };
    }
}

/// <summary>A resumable upload in progress.</summary>
internal sealed class PendingUpload
{
    public required string UploadId { get; init; }

    public required string Project { get; init; }

    public required string DisplayName { get; init; }

    public required string MimeType { get; init; }

    public long? DeclaredLength { get; init; }

    public MemoryStream Buffer { get; } = new();
}

/// <summary>In-memory Files API storage, per project, with expiry.</summary>
internal sealed class FileStore(TimeProvider timeProvider, GeminiEmulatorOptions options, Func<string> newUploadId, Func<string> newFileId)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StoredFile> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PendingUpload> _uploads = new(StringComparer.Ordinal);

    public PendingUpload StartUpload(string project, string displayName, string mimeType, long? declaredLength)
    {
        var upload = new PendingUpload
        {
            UploadId = newUploadId(),
            Project = project,
            DisplayName = displayName,
            MimeType = mimeType,
            DeclaredLength = declaredLength,
        };
        lock (_gate)
        {
            _uploads[upload.UploadId] = upload;
        }

        return upload;
    }

    public PendingUpload? FindUpload(string uploadId)
    {
        lock (_gate)
        {
            return _uploads.GetValueOrDefault(uploadId);
        }
    }

    public StoredFile Finalize(PendingUpload upload)
    {
        var now = timeProvider.GetUtcNow();
        var id = newFileId();
        var file = new StoredFile
        {
            Id = id,
            Project = upload.Project,
            DisplayName = upload.DisplayName.Length > 0 ? upload.DisplayName : id,
            MimeType = upload.MimeType,
            Data = upload.Buffer.ToArray(),
            CreateTime = now,
            ActiveTime = now + options.FileProcessingTime,
            ExpirationTime = now + options.FileRetention,
        };
        lock (_gate)
        {
            _uploads.Remove(upload.UploadId);
            _files[id] = file;
        }

        upload.Buffer.Dispose();
        return file;
    }

    /// <summary>Stores a file the service itself produced (a batch's JSONL results), active at once.</summary>
    public StoredFile AddGenerated(string id, string project, string displayName, string mimeType, byte[] data)
    {
        var now = timeProvider.GetUtcNow();
        var file = new StoredFile
        {
            Id = id,
            Project = project,
            DisplayName = displayName,
            MimeType = mimeType,
            Data = data,
            CreateTime = now,
            ActiveTime = now,
            ExpirationTime = now + options.FileRetention,
        };
        lock (_gate)
        {
            _files[id] = file;
        }

        return file;
    }

    public StoredFile? Find(string id, string project)
    {
        var now = timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (!_files.TryGetValue(id, out var file))
            {
                return null;
            }

            if (now >= file.ExpirationTime)
            {
                _files.Remove(id);
                return null;
            }

            return file.Project == project ? file : null;
        }
    }

    public IReadOnlyList<StoredFile> List(string project)
    {
        var now = timeProvider.GetUtcNow();
        lock (_gate)
        {
            return [.. _files.Values.Where(f => f.Project == project && now < f.ExpirationTime).OrderBy(f => f.CreateTime)];
        }
    }

    public bool Delete(string id, string project)
    {
        lock (_gate)
        {
            return _files.TryGetValue(id, out var file) && file.Project == project && _files.Remove(id);
        }
    }
}
