using System.Text.Json;
using InvoiceOcr.Emulator;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Samples.ConsoleApp.Extraction;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Samples.ConsoleApp.Tests.Commands;

public sealed class ExtractCommandTests
{
    [Fact]
    public async Task Extract_JsonWithDamagedPdf_PrintsOnlyJsonWithTheErrorKindAndExitsNonZero()
    {
        using var run = new ConsoleRun();
        var damaged = SharedData.Invoice("edge/corrupt-factur-x-waytoosmall.pdf");
        var good = SharedData.Invoice("zugferd/EN16931_Einfach.pdf");

        var exitCode = await run.RunAsync("extract", damaged, good, "--company", "acme", "--emulator", "--json");

        Assert.Equal(ExitCodes.Failure, exitCode);
        using var json = JsonDocument.Parse(run.Output); // Nothing but one JSON document on standard output.
        var documents = json.RootElement.GetProperty("documents");
        Assert.Equal(2, documents.GetArrayLength());

        var failed = documents[0];
        Assert.False(failed.GetProperty("succeeded").GetBoolean());
        Assert.EndsWith("corrupt-factur-x-waytoosmall.pdf", failed.GetProperty("file").GetString(), StringComparison.Ordinal);
        Assert.Equal("InvalidDocument", failed.GetProperty("error").GetProperty("kind").GetString());
        Assert.Equal("Damaged", failed.GetProperty("error").GetProperty("reason").GetString());
        Assert.False(failed.GetProperty("error").GetProperty("isTransient").GetBoolean());
        Assert.False(string.IsNullOrWhiteSpace(failed.GetProperty("error").GetProperty("message").GetString()));

        // The default mode reads the e-invoice's XML: no model call, zero tokens.
        var succeeded = documents[1];
        Assert.True(succeeded.GetProperty("succeeded").GetBoolean());
        Assert.Equal("471102", succeeded.GetProperty("invoice").GetProperty("invoiceId").GetString());
        Assert.Equal(529.87m, succeeded.GetProperty("invoice").GetProperty("total").GetDecimal());
        Assert.Equal(0, succeeded.GetProperty("usage").GetProperty("totalTokens").GetInt32());

        var summary = json.RootElement.GetProperty("summary");
        Assert.Equal(2, summary.GetProperty("documents").GetInt32());
        Assert.Equal(1, summary.GetProperty("failed").GetInt32());
        Assert.Equal(1, summary.GetProperty("failuresByKind").GetProperty("InvalidDocument (Damaged)").GetInt32());
        Assert.Empty(run.EmulatorLedger);
    }

    [Fact]
    public async Task Extract_ModelOnlyWithOut_WritesOneJsonPerDocumentAndACsvAndSummarizesTokensByKind()
    {
        using var run = new ConsoleRun();
        var einfach = SharedData.Invoice("zugferd/EN16931_Einfach.pdf");
        var minimum = SharedData.Invoice("zugferd/Facture_UE_MINIMUM.pdf");

        var exitCode = await run.RunAsync(
            "extract", einfach, minimum, "--company", "acme", "--user", "carol", "--branch", "Lyon", "--mode", "model-only", "--emulator", "--out", "results");

        Assert.Equal(ExitCodes.Success, exitCode);
        var folder = run.PathOf("results");
        Assert.True(File.Exists(Path.Combine(folder, "EN16931_Einfach.json")));
        Assert.True(File.Exists(Path.Combine(folder, "Facture_UE_MINIMUM.json")));
        using (var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "EN16931_Einfach.json"), TestContext.Current.CancellationToken)))
        {
            Assert.Equal("471102", report.RootElement.GetProperty("invoice").GetProperty("invoiceId").GetString());
            Assert.Equal("model-only", report.RootElement.GetProperty("mode").GetString());
            Assert.Equal(2 * 258, report.RootElement.GetProperty("usage").GetProperty("documentTokens").GetInt32());
        }

        var csv = (await File.ReadAllLinesAsync(Path.Combine(folder, ResultFiles.CsvFileName), TestContext.Current.CancellationToken)).ToList();
        Assert.Equal(3, csv.Count);
        var header = csv[0].Split(',');
        var einfachRow = csv[1].Split(',');
        Assert.Equal("471102", einfachRow[Array.IndexOf(header, "invoiceId")]);
        Assert.Equal("529.87", einfachRow[Array.IndexOf(header, "total")]);
        Assert.Equal("EUR", einfachRow[Array.IndexOf(header, "currency")]);
        Assert.Equal("FA-2017-0008", csv[2].Split(',')[Array.IndexOf(header, "invoiceId")]);

        var billed = run.EmulatorLedger;
        Assert.Equal(2, billed.Count);
        var output = run.Output;
        Assert.Contains("Tokens: input document", output, StringComparison.Ordinal);
        Assert.Contains(output.Split('\n'), l => l.Contains("Tokens: total", StringComparison.Ordinal) && l.Contains(billed.Sum(e => e.TotalTokenCount).ToString("#,0", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Extract_EmulatorHasNoAnswerForAnOrdinaryPdf_SaysSoInTheTableAndExitsThree()
    {
        using var run = new ConsoleRun();
        var ordinary = SharedData.Invoice("invoice2data/QualityHosting.pdf");
        var einvoice = SharedData.Invoice("zugferd/EN16931_Einfach.pdf");

        var exitCode = await run.RunAsync("extract", ordinary, einvoice, "--company", "acme", "--mode", "model-only", "--emulator");

        Assert.Equal(ExitCodes.NoAnswer, exitCode);
        var row = Assert.Single(run.Output.Split('\n'), l => l.StartsWith("│ QualityHosting.pdf", StringComparison.Ordinal));
        Assert.Contains("no answer: the emulator cannot read this file", row, StringComparison.Ordinal);
        Assert.Contains("emulator (no answer)", row, StringComparison.Ordinal);
        Assert.Contains(run.Output.Split('\n'), l => l.Contains("no answer (the emulator cannot read them)", StringComparison.Ordinal) && l.TrimEnd().EndsWith("1 │", StringComparison.Ordinal));
        Assert.Contains("QualityHosting.pdf: [NoAnswer] The bundled Gemini emulator has no answer for this file", run.Output, StringComparison.Ordinal);
        var einvoiceRow = Assert.Single(run.Output.Split('\n'), l => l.StartsWith("│ EN16931_Einfach.pdf", StringComparison.Ordinal));
        Assert.Contains("471102", einvoiceRow, StringComparison.Ordinal);
        Assert.Equal(2, run.EmulatorLedger.Count); // The unanswered call is billed like any call, and the table shows its tokens.
    }

    [Fact]
    public async Task Extract_JsonEmulatorHasNoAnswer_StatusNoAnswerWithANoticeAndNoInvoice()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("extract", SharedData.Invoice("invoice2data/QualityHosting.pdf"), "--company", "acme", "--emulator", "--json");

        Assert.Equal(ExitCodes.NoAnswer, exitCode);
        using var json = JsonDocument.Parse(run.Output);
        var document = json.RootElement.GetProperty("documents")[0];
        Assert.Equal("noAnswer", document.GetProperty("status").GetString());
        Assert.False(document.GetProperty("succeeded").GetBoolean());
        Assert.False(document.TryGetProperty("invoice", out _));
        Assert.False(document.TryGetProperty("findings", out _));
        Assert.Contains("has no answer for this file", document.GetProperty("notice").GetString(), StringComparison.Ordinal);
        Assert.Equal(Assert.Single(run.EmulatorLedger).TotalTokenCount, document.GetProperty("usage").GetProperty("totalTokens").GetInt32());
        Assert.Equal(1, json.RootElement.GetProperty("summary").GetProperty("noAnswer").GetInt32());
    }

    [Fact]
    public async Task Extract_AnswerWithErrorFindings_IsInvalidAndExitsOne()
    {
        using var run = new ConsoleRun();
        const string Secret = "test-key-console-invalid-0007";
        var document = SharedData.Invoice("invoice2data/QualityHosting.pdf");
        var options = new GeminiEmulatorOptions();
        options.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "remote-key", Project = "remote-project" });

        // A model answer with no invoice number and a currency that is not ISO 4217: Error-severity findings.
        options.Answers[Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(document, TestContext.Current.CancellationToken)))] =
            """{"invoiceDate":"2024-01-05","currency":"EURO","total":10.0,"vendor":{"name":"Quality Hosting"}}""";
        await using var remote = await GeminiEmulator.StartAsync(options, cancellationToken: TestContext.Current.CancellationToken);

        var exitCode = await run.RunAsync("extract", document, "--company", "acme", "--api-key", Secret, "--endpoint", remote.BaseAddress.ToString());

        Assert.Equal(ExitCodes.Failure, exitCode);
        var row = Assert.Single(run.Output.Split('\n'), l => l.StartsWith("│ QualityHosting.pdf", StringComparison.Ordinal));
        Assert.Matches(@"\d+ \(\d+ errors?\) │", row);
        Assert.Contains("QualityHosting.pdf: [Invalid]", run.Output, StringComparison.Ordinal);
        Assert.Contains("CurrencyCodeInvalid", run.Output, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Failure, await run.RunAsync("extract", document, "--company", "acme", "--api-key", Secret, "--endpoint", remote.BaseAddress.ToString(), "--json"));
        using var json = JsonDocument.Parse(run.Output);
        var report = json.RootElement.GetProperty("documents")[0];
        Assert.Equal("invalid", report.GetProperty("status").GetString());
        Assert.Equal("EURO", report.GetProperty("invoice").GetProperty("currency").GetString());
        Assert.Contains("Error-severity finding", report.GetProperty("notice").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, json.RootElement.GetProperty("summary").GetProperty("invalid").GetInt32());
    }

    [Fact]
    public async Task Extract_MissingPath_FailsAsAUsageErrorNamingThePath()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("extract", "no-such-file.pdf", "--company", "acme", "--emulator");

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("no-such-file.pdf", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_CompanyWithoutKeys_ReportsNoKeyAvailableWithTheSeedMessage()
    {
        using var run = new ConsoleRun();
        var document = SharedData.Invoice("zugferd/EN16931_Einfach.pdf");

        var exitCode = await run.RunAsync("extract", document, "--company", "nobody", "--mode", "model-only", "--json");

        Assert.Equal(ExitCodes.Failure, exitCode);
        using var json = JsonDocument.Parse(run.Output);
        var error = json.RootElement.GetProperty("documents")[0].GetProperty("error");
        Assert.Equal("NoKeyAvailable", error.GetProperty("kind").GetString());
        Assert.Equal("No active token found for your company. Please contact support.", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Extract_ApiKeyGiven_StoresItForTheCompanyAndNeverPrintsIt()
    {
        using var run = new ConsoleRun();
        const string Secret = "test-key-console-extract-secret-0042";
        var document = SharedData.Invoice("zugferd/EN16931_Einfach.pdf");

        // Any Gemini-compatible endpoint: here an emulator that knows this key, as Gemini knows a real one.
        var options = new GeminiEmulatorOptions();
        options.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "remote-key", Project = "remote-project" });
        await using var remote = await GeminiEmulator.StartAsync(options, cancellationToken: TestContext.Current.CancellationToken);

        var exitCode = await run.RunAsync(
            "extract", document, "--company", "acme", "--mode", "model-only", "--api-key", Secret, "--endpoint", remote.BaseAddress.ToString(), "--json");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.DoesNotContain(Secret, run.Output + run.Errors, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(run.Output);
        var result = json.RootElement.GetProperty("documents")[0];
        Assert.Equal("471102", result.GetProperty("invoice").GetProperty("invoiceId").GetString());
        var billed = Assert.Single(remote.Ledger.Entries);
        Assert.Equal(billed.TotalTokenCount, result.GetProperty("usage").GetProperty("totalTokens").GetInt32());

        // Given again, the key is found by its secret, not added twice; its id is random, never derived from the secret.
        Assert.Equal(ExitCodes.Success, await run.RunAsync(
            "extract", document, "--company", "acme", "--mode", "model-only", "--api-key", Secret, "--endpoint", remote.BaseAddress.ToString(), "--json"));
        Assert.Equal(ExitCodes.Success, await run.RunAsync("keys", "list", "--company", "acme"));
        var row = Assert.Single(run.Output.Split('\n'), l => l.Contains("test…0042", StringComparison.Ordinal));
        var fingerprint = "cli-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Secret)))[..8];
        Assert.Contains("│ cli-", row, StringComparison.Ordinal);
        Assert.DoesNotContain(fingerprint, row, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_EmulatorForACompanyWithItsOwnKeys_RefusesSoTheRealKeysAreNotDisabled()
    {
        using var run = new ConsoleRun();
        Assert.Equal(ExitCodes.Success, await run.RunAsync("keys", "add", "--company", "acme", "--project", "p", "--id", "real", "--secret", "test-key-console-real-0001"));

        var exitCode = await run.RunAsync("extract", SharedData.Invoice("zugferd/EN16931_Einfach.pdf"), "--company", "acme", "--mode", "model-only", "--emulator");

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("other active keys", run.Errors, StringComparison.Ordinal);
        Assert.Empty(run.EmulatorLedger);
        Assert.Equal(ExitCodes.Success, await run.RunAsync("keys", "list", "--company", "acme"));
        Assert.Contains(run.Output.Split('\n'), l => l.Contains("│ real ", StringComparison.Ordinal) && l.Contains("Active", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Extract_Cancelled_ExitsWith130()
    {
        using var run = new ConsoleRun();
        var document = SharedData.Invoice("zugferd/EN16931_Einfach.pdf");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var exitCode = await run.RunUntilAsync(cancelled.Token, "extract", document, "--company", "acme", "--emulator");

        Assert.Equal(ExitCodes.Cancelled, exitCode);
        Assert.Contains("Cancelled", run.Errors, StringComparison.Ordinal);
    }
}
