using System.Text.RegularExpressions;

namespace InvoiceOcr.Sdk;

/// <summary>The accuracy over many documents: micro-averaged precision and recall, exact-match rate and per-field accuracy.</summary>
public sealed partial record InvoiceAccuracySummary
{
    /// <summary>Gets the number of documents.</summary>
    public required int Documents { get; init; }

    /// <summary>Gets the precision over all scored fields of all documents (micro average).</summary>
    public required double Precision { get; init; }

    /// <summary>Gets the recall over all ground-truth fields of all documents (micro average).</summary>
    public required double Recall { get; init; }

    /// <summary>Gets the harmonic mean of <see cref="Precision"/> and <see cref="Recall"/>.</summary>
    public required double F1 { get; init; }

    /// <summary>Gets the share of documents that matched exactly.</summary>
    public required double ExactMatchRate { get; init; }

    /// <summary>
    /// Gets the accuracy per field (correct / expected), keyed by path with line indexes collapsed
    /// (<c>lineItems[].amount</c>), ordered by path.
    /// </summary>
    public required IReadOnlyDictionary<string, FieldAccuracy> Fields { get; init; }

    /// <summary>Summarises document scores.</summary>
    /// <param name="scores">The scores of the individual documents.</param>
    /// <returns>The summary; all ratios are 1 for an empty set.</returns>
    public static InvoiceAccuracySummary Create(IEnumerable<InvoiceAccuracyScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var list = scores.ToList();
        var fields = list.SelectMany(s => s.Fields).ToList();
        var correct = fields.Count(f => f.Outcome == FieldOutcome.Correct);
        var predicted = fields.Count(f => f.Outcome is FieldOutcome.Correct or FieldOutcome.Wrong or FieldOutcome.Extra);
        var expected = fields.Count(f => f.Outcome != FieldOutcome.Extra);
        var precision = predicted == 0 ? 1d : (double)correct / predicted;
        var recall = expected == 0 ? 1d : (double)correct / expected;
        var perField = fields
            .Where(f => f.Outcome != FieldOutcome.Extra)
            .GroupBy(f => LineIndex().Replace(f.Path, "[]"), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => new FieldAccuracy(g.Count(), g.Count(f => f.Outcome == FieldOutcome.Correct)), StringComparer.Ordinal);

        return new InvoiceAccuracySummary
        {
            Documents = list.Count,
            Precision = precision,
            Recall = recall,
            F1 = precision + recall == 0 ? 0d : 2 * precision * recall / (precision + recall),
            ExactMatchRate = list.Count == 0 ? 1d : (double)list.Count(s => s.ExactMatch) / list.Count,
            Fields = perField,
        };
    }

    [GeneratedRegex(@"\[\d+\]", RegexOptions.CultureInvariant)]
    private static partial Regex LineIndex();
}

/// <summary>How often one field was right over many documents.</summary>
/// <param name="Expected">How many documents' ground truth had the field.</param>
/// <param name="Correct">How many of those were extracted correctly.</param>
public sealed record FieldAccuracy(int Expected, int Correct)
{
    /// <summary>Gets <see cref="Correct"/> / <see cref="Expected"/>.</summary>
    public double Accuracy => Expected == 0 ? 1d : (double)Correct / Expected;
}
