using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Sdk.Invoices;
using InvoiceOcr.Sdk.Scoring;

namespace InvoiceOcr.Sdk;

/// <summary>
/// Scores an extracted <see cref="Invoice"/> against a ground truth, field by field: precision, recall, F1, exact match
/// and a result per field. Use it to measure accuracy on your own documents.
/// </summary>
/// <remarks>
/// <para>Values are normalised before comparing: numbers by value (<c>4.1</c> equals <c>"4.10"</c>), dates by day
/// (<c>2014-08-03</c> equals <c>2014-08-03T00:00:00</c>), text by Unicode compatibility form, case and runs of
/// whitespace; identifiers (<c>vatId</c>, <c>iban</c>, <c>bic</c>, GSTINs, <c>taxId</c>) also ignore spaces.</para>
/// <para>Ground-truth line items are paired with extracted ones by description, then product code, then amount,
/// then position, so one skipped or extra line does not shift every later line.</para>
/// <para>The invoice2data mapping is documented in <c>docs/scoring.md</c> and in <see cref="Invoice2DataMapping"/>.</para>
/// </remarks>
public sealed class InvoiceAccuracyScorer
{
    private static readonly string[] IdentifierSuffixes = ["vatId", "iban", "bic", "Gstin", "taxId"];

    private readonly InvoiceScoringOptions _options;

    /// <summary>Creates a scorer with default options.</summary>
    public InvoiceAccuracyScorer()
        : this(new InvoiceScoringOptions())
    {
    }

    /// <summary>Creates a scorer.</summary>
    /// <param name="options">The scoring options.</param>
    public InvoiceAccuracyScorer(InvoiceScoringOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Scores an extraction against a ground-truth invoice.</summary>
    /// <param name="extracted">The extracted invoice.</param>
    /// <param name="groundTruth">The correct invoice.</param>
    /// <returns>The score.</returns>
    public InvoiceAccuracyScore Score(Invoice extracted, Invoice groundTruth)
    {
        ArgumentNullException.ThrowIfNull(extracted);
        ArgumentNullException.ThrowIfNull(groundTruth);
        return Compare(Flatten(extracted), Flatten(groundTruth), []);
    }

    /// <summary>Scores an extraction against a ground-truth JSON document.</summary>
    /// <param name="extracted">The extracted invoice.</param>
    /// <param name="groundTruthJson">The ground truth: the SDK's invoice JSON or invoice2data's expected-output JSON.</param>
    /// <param name="format">The ground truth's shape.</param>
    /// <returns>The score.</returns>
    /// <exception cref="ArgumentException">The ground truth is not JSON of the given shape.</exception>
    public InvoiceAccuracyScore Score(Invoice extracted, string groundTruthJson, GroundTruthFormat format = GroundTruthFormat.Auto)
    {
        ArgumentNullException.ThrowIfNull(extracted);
        ArgumentNullException.ThrowIfNull(groundTruthJson);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(InvoiceJson.StripFence(groundTruthJson), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The ground truth is not valid JSON: {ex.Message}", nameof(groundTruthJson), ex);
        }

        if (format == GroundTruthFormat.Auto)
        {
            format = Invoice2DataMapping.Looks(node) ? GroundTruthFormat.Invoice2Data : GroundTruthFormat.Invoice;
        }

        var unmapped = new List<string>();
        JsonObject truth = format == GroundTruthFormat.Invoice2Data
            ? Invoice2DataMapping.ToInvoiceShape(node, unmapped)
            : node as JsonObject ?? throw new ArgumentException("The ground truth in the invoice shape must be a JSON object.", nameof(groundTruthJson));

        // Where the data came from is bookkeeping, not extracted content.
        truth = (JsonObject)truth.DeepClone();
        truth.Remove("source");
        var expected = new List<KeyValuePair<string, string>>();
        FlattenNode(truth, string.Empty, expected);
        return Compare(Flatten(extracted), expected, unmapped);
    }

    /// <summary>Scores an extraction in the SDK's invoice JSON against a ground-truth JSON document.</summary>
    /// <param name="extractedJson">The extracted invoice as JSON (the SDK's shape).</param>
    /// <param name="groundTruthJson">The ground truth: the SDK's invoice JSON or invoice2data's expected-output JSON.</param>
    /// <param name="format">The ground truth's shape.</param>
    /// <returns>The score.</returns>
    /// <exception cref="InvoiceOcrException">With <see cref="InvoiceOcrErrorKind.SchemaMismatch"/> when the extraction is not invoice JSON.</exception>
    /// <exception cref="ArgumentException">The ground truth is not JSON of the given shape.</exception>
    public InvoiceAccuracyScore Score(string extractedJson, string groundTruthJson, GroundTruthFormat format = GroundTruthFormat.Auto)
    {
        ArgumentNullException.ThrowIfNull(extractedJson);
        return Score(InvoiceJson.Deserialize(extractedJson), groundTruthJson, format);
    }

    private InvoiceAccuracyScore Compare(List<KeyValuePair<string, string>> actual, List<KeyValuePair<string, string>> expected, List<string> unmapped)
    {
        var actualByPath = PairLines(actual, expected);
        var fields = new List<FieldScore>(expected.Count);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, value) in expected)
        {
            if (actualByPath.TryGetValue(path, out var found))
            {
                used.Add(found.SourcePath);
                fields.Add(new FieldScore(path, value, found.Value, AreEqual(path, value, found.Value) ? FieldOutcome.Correct : FieldOutcome.Wrong));
            }
            else
            {
                fields.Add(new FieldScore(path, value, null, FieldOutcome.Missing));
            }
        }

        foreach (var (path, value) in actual)
        {
            if (!used.Contains(path))
            {
                fields.Add(new FieldScore(path, null, value, FieldOutcome.Extra));
            }
        }

        var correct = fields.Count(f => f.Outcome == FieldOutcome.Correct);
        var wrong = fields.Count(f => f.Outcome == FieldOutcome.Wrong);
        var missing = fields.Count(f => f.Outcome == FieldOutcome.Missing);
        var extra = _options.ScoreExtraFields ? fields.Count(f => f.Outcome == FieldOutcome.Extra) : 0;

        var predicted = correct + wrong + extra;
        var precision = predicted == 0 ? (expected.Count == 0 ? 1d : 0d) : (double)correct / predicted;
        var recall = expected.Count == 0 ? (predicted == 0 ? 1d : 0d) : (double)correct / expected.Count;
        var f1 = precision + recall == 0 ? 0d : 2 * precision * recall / (precision + recall);
        return new InvoiceAccuracyScore
        {
            Precision = precision,
            Recall = recall,
            F1 = f1,
            ExactMatch = wrong == 0 && missing == 0 && extra == 0,
            ExpectedFields = expected.Count,
            CorrectFields = correct,
            Fields = _options.ScoreExtraFields ? fields : fields.Where(f => f.Outcome != FieldOutcome.Extra).ToList(),
            UnmappedGroundTruthFields = unmapped,
        };
    }

    /// <summary>
    /// Re-keys the extracted values so that each ground-truth line index points at its best extracted line
    /// (same description, else product code, else amount, else same position).
    /// </summary>
    private static Dictionary<string, (string Value, string SourcePath)> PairLines(List<KeyValuePair<string, string>> actual, List<KeyValuePair<string, string>> expected)
    {
        var actualLines = GroupLines(actual);
        var expectedLines = GroupLines(expected);
        var map = new Dictionary<int, int>();
        var taken = new HashSet<int>();
        foreach (var key in new[] { "description", "productCode", "amount" })
        {
            foreach (var (index, values) in expectedLines)
            {
                if (map.ContainsKey(index) || !values.TryGetValue(key, out var wanted))
                {
                    continue;
                }

                var match = actualLines.Where(a => !taken.Contains(a.Key) && a.Value.TryGetValue(key, out var v) && AreEqual(key, wanted, v)).Select(a => (int?)a.Key).FirstOrDefault();
                if (match is { } m)
                {
                    map[index] = m;
                    taken.Add(m);
                }
            }
        }

        foreach (var index in expectedLines.Keys.Where(i => !map.ContainsKey(i)))
        {
            if (actualLines.ContainsKey(index) && !taken.Contains(index))
            {
                map[index] = index;
                taken.Add(index);
            }
        }

        var result = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        var reverse = map.ToDictionary(p => p.Value, p => p.Key);
        foreach (var (path, value) in actual)
        {
            if (LineIndex(path) is { } line)
            {
                if (reverse.TryGetValue(line.Index, out var truthIndex))
                {
                    result[$"lineItems[{truthIndex}].{line.Field}"] = (value, path);
                }
            }
            else
            {
                result[path] = (value, path);
            }
        }

        return result;
    }

    private static Dictionary<int, Dictionary<string, string>> GroupLines(List<KeyValuePair<string, string>> values)
    {
        var lines = new Dictionary<int, Dictionary<string, string>>();
        foreach (var (path, value) in values)
        {
            if (LineIndex(path) is { } line)
            {
                if (!lines.TryGetValue(line.Index, out var fields))
                {
                    lines[line.Index] = fields = new Dictionary<string, string>(StringComparer.Ordinal);
                }

                fields[line.Field] = value;
            }
        }

        return lines;
    }

    private static (int Index, string Field)? LineIndex(string path)
    {
        const string prefix = "lineItems[";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var close = path.IndexOf("].", StringComparison.Ordinal);
        return close > prefix.Length && int.TryParse(path.AsSpan(prefix.Length, close - prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? (index, path[(close + 2)..])
            : null;
    }

    private static List<KeyValuePair<string, string>> Flatten(Invoice invoice)
    {
        var node = JsonSerializer.SerializeToNode(invoice, InvoiceJson.TypeInfo)!.AsObject();
        node.Remove("source");
        var values = new List<KeyValuePair<string, string>>();
        FlattenNode(node, string.Empty, values);
        return values;
    }

    private static void FlattenNode(JsonNode? node, string path, List<KeyValuePair<string, string>> values)
    {
        switch (node)
        {
            case null:
                return;
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    FlattenNode(child, path.Length == 0 ? name : $"{path}.{name}", values);
                }

                return;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    FlattenNode(array[i], $"{path}[{i}]", values);
                }

                return;
            case JsonValue value:
                var text = value.GetValueKind() switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => value.ToJsonString(),
                };
                if (!string.IsNullOrWhiteSpace(text))
                {
                    values.Add(new(path, text));
                }

                return;
        }
    }

    /// <summary>Compares two values after normalisation (numbers, dates, then text).</summary>
    internal static bool AreEqual(string path, string expected, string actual)
    {
        if (TryNumber(expected, out var e) && TryNumber(actual, out var a))
        {
            return e == a;
        }

        if (TryDate(expected, out var ed) && TryDate(actual, out var ad))
        {
            return ed == ad;
        }

        var identifier = IdentifierSuffixes.Any(s => path.EndsWith(s, StringComparison.OrdinalIgnoreCase));
        return string.Equals(NormalizeText(expected, identifier), NormalizeText(actual, identifier), StringComparison.Ordinal);
    }

    private static bool TryNumber(string text, out decimal value) =>
        decimal.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    private static bool TryDate(string text, out DateOnly value)
    {
        var trimmed = text.Trim();
        return DateOnly.TryParseExact(trimmed.Length > 10 && trimmed[10] == 'T' ? trimmed[..10] : trimmed, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    private static string NormalizeText(string text, bool identifier)
    {
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text.Normalize(NormalizationForm.FormKC))
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0 && !identifier;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(char.ToUpperInvariant(c));
        }

        return builder.ToString();
    }
}
