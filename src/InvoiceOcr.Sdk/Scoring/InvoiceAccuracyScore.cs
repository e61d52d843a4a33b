namespace InvoiceOcr.Sdk;

/// <summary>How one ground-truth field compared with the extraction.</summary>
public enum FieldOutcome
{
    /// <summary>Extracted and equal to the ground truth after normalisation.</summary>
    Correct,

    /// <summary>Extracted, but different from the ground truth.</summary>
    Wrong,

    /// <summary>In the ground truth, but not extracted.</summary>
    Missing,

    /// <summary>Extracted, but not in the ground truth. Counted against precision only when <see cref="InvoiceScoringOptions.ScoreExtraFields"/> is set.</summary>
    Extra,
}

/// <summary>The comparison of one field.</summary>
/// <param name="Path">The field's path in the invoice JSON shape, for example <c>lineItems[0].amount</c>.</param>
/// <param name="Expected">The ground-truth value as text, or <see langword="null"/> for an extra field.</param>
/// <param name="Actual">The extracted value as text, or <see langword="null"/> when missing.</param>
/// <param name="Outcome">The outcome.</param>
public sealed record FieldScore(string Path, string? Expected, string? Actual, FieldOutcome Outcome);

/// <summary>The field-level accuracy of one extraction against its ground truth.</summary>
public sealed record InvoiceAccuracyScore
{
    /// <summary>Gets the share of scored extracted fields that are correct: correct / (correct + wrong [+ extra]).</summary>
    public required double Precision { get; init; }

    /// <summary>Gets the share of ground-truth fields extracted correctly: correct / expected.</summary>
    public required double Recall { get; init; }

    /// <summary>Gets the harmonic mean of <see cref="Precision"/> and <see cref="Recall"/>.</summary>
    public required double F1 { get; init; }

    /// <summary>Gets a value indicating whether every ground-truth field was extracted correctly (and, when extras are scored, nothing else was extracted).</summary>
    public required bool ExactMatch { get; init; }

    /// <summary>Gets the number of ground-truth fields.</summary>
    public required int ExpectedFields { get; init; }

    /// <summary>Gets the number of correct fields.</summary>
    public required int CorrectFields { get; init; }

    /// <summary>Gets the per-field results: ground-truth fields in ground-truth order, then extra fields.</summary>
    public required IReadOnlyList<FieldScore> Fields { get; init; }

    /// <summary>Gets the ground-truth keys that have no counterpart in the invoice model and were not scored (for example invoice2data's <c>issuer</c> or <c>desc</c>).</summary>
    public required IReadOnlyList<string> UnmappedGroundTruthFields { get; init; }
}

/// <summary>Options of the <see cref="InvoiceAccuracyScorer"/>.</summary>
public sealed class InvoiceScoringOptions
{
    /// <summary>
    /// Gets or sets a value indicating whether extracted fields absent from the ground truth count against precision.
    /// Leave it off for partial ground truths such as invoice2data's, which list only what a template extracts.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool ScoreExtraFields { get; set; }
}

/// <summary>The shape of a ground-truth JSON document.</summary>
public enum GroundTruthFormat
{
    /// <summary>Detect the shape: an array, or an object with invoice2data keys such as <c>invoice_number</c>, is invoice2data; any other object is the SDK's invoice JSON.</summary>
    Auto,

    /// <summary>The SDK's own invoice JSON (camelCase, as <see cref="Invoice"/> serialises).</summary>
    Invoice,

    /// <summary>invoice2data's expected-output JSON: an array with one object (or the object itself) with snake_case keys.</summary>
    Invoice2Data,
}
