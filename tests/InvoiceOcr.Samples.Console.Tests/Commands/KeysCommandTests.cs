using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using InvoiceOcr.Samples.ConsoleApp.Cli;

namespace InvoiceOcr.Samples.ConsoleApp.Tests.Commands;

public sealed class KeysCommandTests
{
    private const string Secret = "test-key-console-keys-abcdef-9876";

    [Fact]
    public async Task KeysAddThenList_ShowsTheKeyMaskedWithStatusAndRemainingTokens()
    {
        using var run = new ConsoleRun();

        var added = await run.RunAsync("keys", "add", "--company", "acme", "--project", "proj-1", "--id", "k1", "--secret", Secret, "--lifetime-tokens", "1000");
        var addOutput = run.Output + run.Errors;
        var listed = await run.RunAsync("keys", "list", "--company", "acme");

        Assert.Equal(ExitCodes.Success, added);
        Assert.Equal(ExitCodes.Success, listed);
        Assert.Contains("test…9876", addOutput, StringComparison.Ordinal);
        var row = Assert.Single(run.Output.Split('\n'), l => l.Contains("│ k1 ", StringComparison.Ordinal));
        Assert.Contains("proj-1", row, StringComparison.Ordinal);
        Assert.Contains("test…9876", row, StringComparison.Ordinal);
        Assert.Contains("Active", row, StringComparison.Ordinal);
        Assert.Contains("1,000", row, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, addOutput + run.Output + run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysAdd_SecretOnStandardInput_StoresItWithADerivedIdAndPrintsItMasked()
    {
        using var run = new ConsoleRun { StandardInput = Secret + "\n" };

        var exitCode = await run.RunAsync("keys", "add", "--company", "acme", "--project", "p");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("Added key key-", run.Output, StringComparison.Ordinal);
        Assert.Contains("test…9876", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, run.Output + run.Errors, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Success, await run.RunAsync("keys", "list", "--company", "acme"));
        Assert.Contains("test…9876", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysAdd_WithoutId_GetsARandomIdThatIsNotAFingerprintOfTheSecret()
    {
        using var run = new ConsoleRun();
        var fingerprint = "key-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Secret)))[..8];

        Assert.Equal(ExitCodes.Success, await run.RunAsync("keys", "add", "--company", "acme", "--project", "p", "--secret", Secret));
        var first = Regex.Match(run.Output, "Added key (key-[0-9a-f]{8}) ").Groups[1].Value;
        Assert.Equal(ExitCodes.Success, await run.RunAsync("keys", "add", "--company", "beta", "--project", "p", "--secret", Secret));
        var second = Regex.Match(run.Output, "Added key (key-[0-9a-f]{8}) ").Groups[1].Value;

        Assert.NotEqual(string.Empty, first);
        Assert.NotEqual(string.Empty, second);
        Assert.NotEqual(first, second);
        Assert.NotEqual(fingerprint, first);
        Assert.NotEqual(fingerprint, second);
    }

    [Fact]
    public async Task KeysAdd_SameIdTwice_FailsClearlyWithoutPrintingTheSecret()
    {
        using var run = new ConsoleRun();
        Assert.Equal(ExitCodes.Success, await run.RunAsync("keys", "add", "--company", "acme", "--project", "p", "--id", "k1", "--secret", Secret));

        var exitCode = await run.RunAsync("keys", "add", "--company", "acme", "--project", "p", "--id", "k1", "--secret", Secret);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("already exists", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, run.Output + run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysSetStatusAndSetLimits_ChangeWhatListShows()
    {
        using var run = new ConsoleRun();
        Assert.Equal(ExitCodes.Success, await run.RunAsync("keys", "add", "--company", "acme", "--project", "p", "--id", "k1", "--secret", Secret));

        Assert.Equal(ExitCodes.Success, await run.RunAsync("keys", "set-status", "k1", "Disabled", "--reason", "leaked"));
        Assert.Equal(ExitCodes.Success, await run.RunAsync("keys", "set-limits", "k1", "--lifetime-tokens", "5000", "--weight", "3", "--rpm", "10"));
        Assert.Contains("RPM 10", run.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Success, await run.RunAsync("keys", "list", "--company", "acme"));

        var row = Assert.Single(run.Output.Split('\n'), l => l.Contains("│ k1 ", StringComparison.Ordinal));
        Assert.Contains("Disabled", row, StringComparison.Ordinal);
        Assert.Contains("leaked", row, StringComparison.Ordinal);
        Assert.Contains("5,000", row, StringComparison.Ordinal);
        Assert.EndsWith("3 │", row.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysSetStatus_UnknownKey_FailsAsUsageError()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("keys", "set-status", "missing", "Active");

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("No key with id 'missing'", run.Errors, StringComparison.Ordinal);
    }
}
