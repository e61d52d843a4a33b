using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Samples.ConsoleApp.Output;
using InvoiceOcr.Sdk;
using Spectre.Console;

namespace InvoiceOcr.Samples.ConsoleApp.Commands;

/// <summary><c>score &lt;extracted.json&gt; &lt;truth.json&gt;</c>: field-level accuracy with the SDK's scorer.</summary>
internal static class ScoreCommand
{
    public static Command Create(CliContext cli)
    {
        var extracted = new Argument<string>("extracted") { Description = "An extracted invoice: a file written by extract --out, or invoice JSON." };
        var truth = new Argument<string>("truth") { Description = "The ground truth: invoice JSON, or invoice2data JSON (snake_case fields, detected automatically)." };
        var format = new Option<GroundTruthFormat>("--format")
        {
            Description = $"The ground truth's format: {string.Join(", ", Enum.GetNames<GroundTruthFormat>())}.",
            DefaultValueFactory = _ => GroundTruthFormat.Auto,
            CustomParser = result => ValueParsers.ParseEnum<GroundTruthFormat>(result) ?? GroundTruthFormat.Auto,
        };
        var extra = new Option<bool>("--score-extra") { Description = "Count fields the truth does not have as extra (lowers precision)." };
        var json = new Option<bool>("--json") { Description = "Print the score as JSON." };
        var command = new Command("score", "Score an extracted invoice against ground truth: precision, recall, F1 and every field.") { extracted, truth, format, extra, json };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(cli, new SecretRedactor(), parse.GetValue(json), async () =>
        {
            var extractedJson = InvoiceJsonOf(await ReadAsync(parse.GetRequiredValue(extracted), cancellationToken).ConfigureAwait(false));
            var truthJson = await ReadAsync(parse.GetRequiredValue(truth), cancellationToken).ConfigureAwait(false);
            InvoiceAccuracyScore score;
            try
            {
                score = new InvoiceAccuracyScorer(new InvoiceScoringOptions { ScoreExtraFields = parse.GetValue(extra) })
                    .Score(extractedJson, truthJson, parse.GetValue(format));
            }
            catch (ArgumentException ex)
            {
                throw new CliException(ex.Message, ex);
            }

            if (parse.GetValue(json))
            {
                cli.RawOut.WriteLine(CliJson.Serialize(score));
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).Title("Fields").AddColumns("Field", "Expected", "Actual", "Outcome");
            foreach (var field in score.Fields)
            {
                var color = field.Outcome == FieldOutcome.Correct ? Color.Green : Color.Red;
                table.AddRow(Format.Cell(field.Path), Format.Cell(field.Expected), Format.Cell(field.Actual), new Text(field.Outcome.ToString(), new Style(color)));
            }

            cli.Out.Write(table);
            cli.Out.MarkupLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Precision {score.Precision:0.000}  Recall {score.Recall:0.000}  F1 {score.F1:0.000}  Correct {score.CorrectFields}/{score.ExpectedFields}  Exact match: {(score.ExactMatch ? "yes" : "no")}"));
            if (score.UnmappedGroundTruthFields.Count > 0)
            {
                cli.Out.MarkupLineInterpolated($"[grey]Ground truth fields with no invoice counterpart (not scored): {string.Join(", ", score.UnmappedGroundTruthFields)}[/]");
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;

        async Task<string> ReadAsync(string path, CancellationToken cancellationToken)
        {
            var full = cli.ResolvePath(path);
            if (!File.Exists(full))
            {
                throw new CliException($"No such file: {path}");
            }

            return await File.ReadAllTextAsync(full, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Takes the <c>invoice</c> of a file written by <c>extract --out</c>; any other JSON is taken as the invoice itself.</summary>
    internal static string InvoiceJsonOf(string json)
    {
        try
        {
            var node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (node is JsonObject obj && obj["invoice"] is JsonObject invoice && obj.ContainsKey("succeeded"))
            {
                return invoice.ToJsonString();
            }

            if (node is JsonObject report && report.ContainsKey("succeeded") && report["error"] is JsonObject error)
            {
                throw new CliException($"The extracted file records a failed extraction ({error["kind"]}), so there is nothing to score.");
            }

            return json;
        }
        catch (JsonException ex)
        {
            throw new CliException($"The extracted file is not valid JSON: {ex.Message}", ex);
        }
    }
}
