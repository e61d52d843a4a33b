using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Caching;

/// <summary>One <c>cachedContents/{id}</c> resource: its counted prompt and its lifetime.</summary>
internal sealed class CachedContentEntry
{
    public required string Id { get; init; }

    public required string Project { get; init; }

    public required string KeyId { get; init; }

    public required string Model { get; init; }

    public string? DisplayName { get; init; }

    /// <summary>The cached prompt's tokens by modality (TEXT first).</summary>
    public required IReadOnlyList<(string Modality, int Tokens)> Details { get; init; }

    public required DateTimeOffset CreateTime { get; init; }

    public DateTimeOffset UpdateTime { get; set; }

    public DateTimeOffset ExpireTime { get; set; }

    public string Name => "cachedContents/" + Id;

    public int Tokens => Details.Sum(d => d.Tokens);

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["name"] = Name };
        if (!string.IsNullOrEmpty(DisplayName))
        {
            json["displayName"] = DisplayName;
        }

        json["model"] = "models/" + Model;
        json["createTime"] = WireJson.Timestamp(CreateTime);
        json["updateTime"] = WireJson.Timestamp(UpdateTime);
        json["expireTime"] = WireJson.Timestamp(ExpireTime);
        json["usageMetadata"] = new JsonObject { ["totalTokenCount"] = Tokens };
        return json;
    }
}

/// <summary>
/// The explicit caches, per project. A cache ends when it is deleted or its expiry passes (checked on every access, with
/// the emulator's clock); its storage (tokens × hours alive) then goes to the ledger's <see cref="EmulatorLedger.CacheStorage"/>.
/// </summary>
internal sealed class CacheStore(TimeProvider time, EmulatorLedger ledger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CachedContentEntry> _caches = new(StringComparer.Ordinal);

    public void Add(CachedContentEntry entry)
    {
        lock (_gate)
        {
            Sweep();
            _caches[entry.Id] = entry;
        }
    }

    public CachedContentEntry? Find(string id, string project)
    {
        lock (_gate)
        {
            Sweep();
            return _caches.TryGetValue(id, out var entry) && entry.Project == project ? entry : null;
        }
    }

    public IReadOnlyList<CachedContentEntry> List(string project)
    {
        lock (_gate)
        {
            Sweep();
            return [.. _caches.Values.Where(c => c.Project == project).OrderBy(c => c.CreateTime).ThenBy(c => c.Id, StringComparer.Ordinal)];
        }
    }

    public bool Delete(string id, string project)
    {
        lock (_gate)
        {
            Sweep();
            if (!_caches.TryGetValue(id, out var entry) || entry.Project != project)
            {
                return false;
            }

            _caches.Remove(id);
            Close(entry, time.GetUtcNow());
            return true;
        }
    }

    public void SetExpiry(CachedContentEntry entry, DateTimeOffset expireTime)
    {
        lock (_gate)
        {
            entry.ExpireTime = expireTime;
            entry.UpdateTime = time.GetUtcNow();
        }
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var expired in _caches.Values.Where(c => c.ExpireTime <= now).ToList())
        {
            _caches.Remove(expired.Id);
            Close(expired, expired.ExpireTime);
        }
    }

    private void Close(CachedContentEntry entry, DateTimeOffset end) =>
        ledger.AddStorage(new EmulatorCacheStorageEntry(entry.Name, entry.KeyId, entry.Project, entry.Model, entry.Tokens, entry.CreateTime, end));
}
