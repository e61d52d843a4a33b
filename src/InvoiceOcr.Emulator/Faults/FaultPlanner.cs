namespace InvoiceOcr.Emulator.Faults;

/// <summary>The fault and latency chosen for one model call.</summary>
internal readonly record struct FaultPlan(EmulatorFaultKind Kind, TimeSpan Latency);

/// <summary>
/// Chooses faults reproducibly: scripted steps first (in order, optionally per key), then one uniform draw from a
/// generator seeded with the options' seed against the cumulative rates (in <see cref="EmulatorFaultKind"/> order).
/// Exactly one draw is made per call (plus one for jitter when jitter is configured), so a seed fixes the sequence.
/// </summary>
internal sealed class FaultPlanner
{
    private readonly Lock _gate = new();
    private readonly EmulatorFaultOptions _options;
    private readonly List<(EmulatorFaultKind Kind, string? KeyId, int Remaining)> _script;
#pragma warning disable CA5394 // Reproducible simulation, not security: a seeded Random is the point.
    private readonly Random _random;

    public FaultPlanner(EmulatorFaultOptions options, int seed)
    {
        _options = options;
        _random = new Random(seed);
        _script = [.. options.Script.Select(s => (s.Kind, s.KeyId, s.Count))];
    }

    public FaultPlan Next(EmulatorKeyOptions key)
    {
        lock (_gate)
        {
            var kind = FromScript(key.EffectiveId) ?? FromRates(key.FaultRates.Count > 0 ? key.FaultRates : _options.Rates);
            var latency = _options.LatencyFixed;
            if (_options.LatencyJitter > TimeSpan.Zero)
            {
                latency += TimeSpan.FromTicks((long)(_random.NextDouble() * _options.LatencyJitter.Ticks));
            }

            return new FaultPlan(kind, latency);
        }
    }

    /// <summary>Adds scripted steps at run time (tests, or the <c>/emulator/faults</c> endpoint).</summary>
    public void Enqueue(EmulatorFaultKind kind, int count, string? keyId)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (_gate)
        {
            _script.Add((kind, keyId, count));
        }
    }

    private EmulatorFaultKind? FromScript(string keyId)
    {
        for (var i = 0; i < _script.Count; i++)
        {
            var step = _script[i];
            if (step.KeyId is not null && !string.Equals(step.KeyId, keyId, StringComparison.Ordinal))
            {
                continue;
            }

            if (step.Remaining <= 1)
            {
                _script.RemoveAt(i);
            }
            else
            {
                _script[i] = step with { Remaining = step.Remaining - 1 };
            }

            return step.Kind;
        }

        return null;
    }

    private EmulatorFaultKind FromRates(IDictionary<EmulatorFaultKind, double> rates)
    {
        if (rates.Count == 0)
        {
            return EmulatorFaultKind.None;
        }

        var draw = _random.NextDouble();
        double cumulative = 0;
        foreach (var kind in Enum.GetValues<EmulatorFaultKind>())
        {
            if (kind != EmulatorFaultKind.None && rates.TryGetValue(kind, out var rate))
            {
                cumulative += rate;
                if (draw < cumulative)
                {
                    return kind;
                }
            }
        }

        return EmulatorFaultKind.None;
    }
#pragma warning restore CA5394
}
