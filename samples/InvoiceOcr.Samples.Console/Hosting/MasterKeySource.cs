using Spectre.Console;
using System.Security.Cryptography;
using InvoiceOcr.Samples.ConsoleApp.Cli;

namespace InvoiceOcr.Samples.ConsoleApp.Hosting;

/// <summary>
/// The master key that encrypts API key secrets in the database (AES-256-GCM, done by the storage packages).
/// <c>INVOICEOCR_MASTER_KEY</c> (base64 of 32 bytes) wins; otherwise a SQLite store keeps a key file beside the
/// database (<c>invoiceocr.db.masterkey</c>, owner-only permissions), created on first use so the app runs with no
/// setup. SQL Server, shared by many machines, requires the environment variable: a per-machine file would make secrets
/// written elsewhere unreadable.
/// </summary>
internal static class MasterKeySource
{
    /// <summary>The environment variable holding the master key.</summary>
    public const string EnvironmentVariable = "INVOICEOCR_MASTER_KEY";

    /// <summary>The id the console seals secrets with (recorded beside each ciphertext).</summary>
    public const string KeyId = "console-1";

    public static string Resolve(StoreSettings store, CliContext context)
    {
        if (context.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return Check(fromEnvironment.Trim(), EnvironmentVariable);
        }

        if (store.SqlitePath is not { } databasePath)
        {
            throw new CliException(
                $"SQL Server needs the master key that encrypts API key secrets: set {EnvironmentVariable} to base64 of 32 random bytes " +
                "(for example 'openssl rand -base64 32'), the same on every machine that shares the database.");
        }

        var path = databasePath + ".masterkey";
        if (File.Exists(path))
        {
            return Check(File.ReadAllText(path).Trim(), path);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            using var writer = new StreamWriter(path, options);
            writer.Write(key);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
            return Check(File.ReadAllText(path).Trim(), path);
        }

        context.Error.MarkupLineInterpolated($"[grey]Created the master key that encrypts stored API keys: {context.DisplayPath(path)} (keep it with the database; in production set {EnvironmentVariable}).[/]");
        return key;
    }

    private static string Check(string key, string where)
    {
        Span<byte> buffer = stackalloc byte[64];
        if (!Convert.TryFromBase64String(key, buffer, out var written) || written != 32)
        {
            throw new CliException($"The master key in {where} must be base64 of exactly 32 bytes (for example 'openssl rand -base64 32').");
        }

        return key;
    }
}
