using System.Security.Cryptography;
using System.Text;

namespace InvoiceOcr.Emulator.Caching;

/// <summary>One unit of a prompt's cacheable prefix: the system instruction, the response schema, or one content part.</summary>
/// <param name="Modality">The modality its tokens are reported under.</param>
/// <param name="Tokens">Its prompt tokens.</param>
/// <param name="Hash">A hash of its content (SHA-256, first 8 bytes), so equal parts compare equal.</param>
internal readonly record struct PromptSegment(string Modality, int Tokens, ulong Hash)
{
    public static PromptSegment Of(string modality, int tokens, string kind, string content) =>
        new(modality, tokens, BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(kind + "\0" + content)), 0));
}

/// <summary>
/// Implicit caching as the Gemini API documents it for 2.5+ models: a request whose leading prompt segments equal those of
/// an earlier request of the same project and model, seen within the window, gets that common prefix billed as cached
/// tokens when it is at least the model's minimum cacheable size. Granularity is whole segments (system instruction,
/// schema, each part): the real service caches in internal blocks, so its figures for a partial hit differ (see README).
/// </summary>
internal sealed class ImplicitCache(TimeProvider time, TimeSpan window)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Project, string Model, ulong Prefix), DateTimeOffset> _seen = [];
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    /// <summary>Records the request's prefixes and returns the cached tokens by modality (empty on a miss).</summary>
    public IReadOnlyList<(string Modality, int Tokens)> Hit(string project, string model, IReadOnlyList<PromptSegment> segments, int minTokens)
    {
        var now = time.GetUtcNow();
        var best = -1;
        lock (_gate)
        {
            Sweep(now);
            ulong prefix = 14695981039346656037;
            for (var i = 0; i < segments.Count; i++)
            {
                // A chained hash: equal values mean every segment up to i is equal, so the first miss ends the hits.
                prefix = (prefix ^ segments[i].Hash) * 1099511628211;
                var key = (project, model, prefix);
                if (_seen.TryGetValue(key, out var expires) && expires > now && best == i - 1)
                {
                    best = i;
                }

                _seen[key] = now + window;
            }
        }

        var cached = new List<(string Modality, int Tokens)>();
        for (var i = 0; i <= best; i++)
        {
            var index = cached.FindIndex(c => c.Modality == segments[i].Modality);
            if (index < 0)
            {
                cached.Add((segments[i].Modality, segments[i].Tokens));
            }
            else
            {
                cached[index] = (cached[index].Modality, cached[index].Tokens + segments[i].Tokens);
            }
        }

        return cached.Sum(c => c.Tokens) >= minTokens ? [.. cached.Where(c => c.Tokens > 0)] : [];
    }

    private void Sweep(DateTimeOffset now)
    {
        if (now < _nextSweep)
        {
            return;
        }

        foreach (var key in _seen.Where(e => e.Value <= now).Select(e => e.Key).ToList())
        {
            _seen.Remove(key);
        }

        _nextSweep = now + window;
    }
}
