using System.Security.Cryptography;
using InvoiceOcr.Emulator;
using InvoiceOcr.Emulator.Answers;
using InvoiceOcr.Samples.ConsoleApp.Cli;

namespace InvoiceOcr.Samples.ConsoleApp.Demo;

/// <summary>
/// The demo's inputs: the real hybrid e-invoices of the shared corpus (<c>shared/invoices/zugferd</c>, found by walking
/// up from the working folder, or under <c>INVOICEOCR_CORPUS</c>). Only PDFs whose embedded XML the emulator can read are
/// taken, so every simulated answer is the invoice that XML states — what a perfect model would return.
/// </summary>
internal static class DemoCorpus
{
    /// <summary>The environment variable that points at the invoice corpus folder (the one holding <c>zugferd/</c>).</summary>
    public const string CorpusVariable = "INVOICEOCR_CORPUS";

    /// <summary>Finds the e-invoice folder, or <see langword="null"/> when the corpus is not beside the repository.</summary>
    public static string? FindFolder(CliContext cli, string? explicitFolder)
    {
        if (explicitFolder is { Length: > 0 })
        {
            var folder = cli.ResolvePath(explicitFolder);
            return Directory.Exists(folder) ? folder : throw new CliException($"No such folder: {explicitFolder}");
        }

        if (cli.GetEnvironmentVariable(CorpusVariable) is { Length: > 0 } corpus)
        {
            var folder = Path.Combine(cli.ResolvePath(corpus), "zugferd");
            return Directory.Exists(folder) ? folder : null;
        }

        for (var dir = new DirectoryInfo(cli.WorkingDirectory); dir is not null; dir = dir.Parent)
        {
            var folder = Path.Combine(dir.FullName, "shared", "invoices", "zugferd");
            if (Directory.Exists(folder))
            {
                return folder;
            }
        }

        return null;
    }

    /// <summary>The folder's PDFs (not recursive, ordinal order) that carry an e-invoice the emulator can answer from.</summary>
    public static async Task<IReadOnlyList<string>> SelectEInvoicesAsync(string folder, CancellationToken cancellationToken)
    {
        var selected = new List<string>();
        foreach (var path in Directory.EnumerateFiles(folder, "*.pdf").Order(StringComparer.Ordinal))
        {
            var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            var document = new EmulatorDocument("application/pdf", bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)));
            var request = new EmulatorAnswerRequest("gemini-2.5-flash", [document], string.Empty, null, "application/json", null, null);
            if (await EInvoiceAnswerSource.Instance.GetAnswerAsync(request, cancellationToken).ConfigureAwait(false) is not null)
            {
                selected.Add(path);
            }
        }

        return selected;
    }
}
