using System.CommandLine;
using InvoiceOcr.Samples.ConsoleApp.Cli;

namespace InvoiceOcr.Samples.ConsoleApp.Tests.Cli;

/// <summary>Bad usage everywhere: exit code 2, a plain message naming the option, never a .NET type name or a crash.</summary>
public sealed class ParseErrorTests
{
    public static TheoryData<string[]> EveryTypedValue()
    {
        var data = new TheoryData<string[]>();
        var console = new Spectre.Console.Testing.TestConsole();
        var root = CliApplication.BuildRootCommand(new CliContext { Out = console, Error = console, WorkingDirectory = Path.GetTempPath() });
        foreach (var (path, command) in Walk(root, []))
        {
            var arguments = command.Arguments.Select(a => a.ValueType == typeof(string) || a.ValueType == typeof(string[]) ? "x" : "zz-bad").ToArray();
            if (command.Arguments.Any(a => a.ValueType != typeof(string) && a.ValueType != typeof(string[])))
            {
                data.Add([.. path, .. arguments]);
            }

            foreach (var option in command.Options.Where(o => !IsPlain(o.ValueType)))
            {
                data.Add([.. path, .. arguments.Select(a => a == "zz-bad" ? "x" : a), option.Name, "zz-bad"]);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryTypedValue))]
    public async Task Parse_BadValueForEveryTypedOptionAndArgument_ExitsTwoWithAPlainMessage(string[] args)
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync(args);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("'zz-bad'", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("`1", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("InvoiceOcr.Sdk.", run.Errors, StringComparison.Ordinal);
        Assert.Contains($"Run '{string.Join(' ', args.TakeWhile(a => a is not ("x" or "zz-bad") && !a.StartsWith('-')))} --help'", run.Errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-13-01")]
    [InlineData("yesterday")]
    public async Task UsageReport_FromNotADay_ExitsTwoAndSaysTheExpectedForm(string from)
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("usage", "report", "--company", "x", "--from", from, "--to", "2026-01-01");

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains($"--from must be a day written yyyy-MM-dd (for example 2026-11-01), not '{from}'.", run.Errors, StringComparison.Ordinal);
        Assert.Contains("Run 'usage report --help' for usage.", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysAdd_WithoutProject_HintNamesTheFullCommand()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("keys", "add", "--company", "acme", "--secret", "test-key-hint-0001");

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("--project", run.Errors, StringComparison.Ordinal);
        Assert.Contains("Run 'keys add --help' for usage.", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Run 'add --help'", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysSetLimits_NegativeAndZeroWeight_ExitTwoNamingTheRule()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("keys", "set-limits", "k1", "--rpm", "-1", "--weight", "0");

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("--rpm must be a whole number 0 or more, not '-1'.", run.Errors, StringComparison.Ordinal);
        Assert.Contains("--weight must be a whole number 1 or more, not '0'.", run.Errors, StringComparison.Ordinal);
    }

    private static bool IsPlain(Type type) => type == typeof(string) || type == typeof(bool) || type == typeof(string[]);

    private static IEnumerable<(string[] Path, Command Command)> Walk(Command command, string[] path)
    {
        foreach (var sub in command.Subcommands)
        {
            string[] subPath = [.. path, sub.Name];
            yield return (subPath, sub);
            foreach (var nested in Walk(sub, subPath))
            {
                yield return nested;
            }
        }
    }
}
