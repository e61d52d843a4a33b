using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.WebApi.Hosting;

/// <summary>
/// Stops the app at start, with a message that says what to do, when the master key that seals stored API keys is not
/// configured. Nothing secret is committed (not even for Development): it comes from user secrets, the environment or a
/// vault, or the demo mode (<c>--demo</c>) generates it.
/// </summary>
internal static partial class SecretsCheck
{
    /// <summary>Says at start, in the log, that the admin API is closed because no admin key is configured.</summary>
    public static void WarnIfAdminKeyMissing(WebApplication app)
    {
        if (string.IsNullOrEmpty(app.Services.GetRequiredService<IOptions<Admin.AdminOptions>>().Value.ApiKey))
        {
            LogAdminClosed(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("InvoiceOcr.Samples.WebApi.Startup"));
        }
    }

    [LoggerMessage(1, LogLevel.Warning,
        "Admin:ApiKey is not set, so the admin API and the dashboard refuse everyone. Set it in user secrets (dotnet user-secrets set Admin:ApiKey \"$(openssl rand -base64 32)\"), the environment (Admin__ApiKey) or a vault, or run with --demo.")]
    private static partial void LogAdminClosed(ILogger logger);

    public static void ThrowIfMissing(IConfiguration configuration)
    {
        var storage = configuration.GetSection("Storage");
        var provider = storage.GetValue("Provider", StorageProvider.Sqlite);
        if (provider == StorageProvider.InMemory || !Enum.IsDefined(provider))
        {
            return;
        }

        var section = $"Storage:{provider}:SecretProtection";
        if (storage.GetSection($"{provider}:SecretProtection:MasterKeys").GetChildren().Any(k => !string.IsNullOrWhiteSpace(k.Value)))
        {
            return;
        }

        throw new OptionsValidationException(section, typeof(InvoiceOcr.Sdk.Relational.SecretProtectionOptions),
        [
            $"{section}:MasterKeys is not set: the master key that encrypts stored API keys is missing, so the app cannot start. " +
            "To try the sample, run it in demo mode, which generates every secret: dotnet run --project samples/InvoiceOcr.Samples.WebApi -- --demo. " +
            $"For development, keep your own in user secrets: dotnet user-secrets --project samples/InvoiceOcr.Samples.WebApi set {section}:CurrentKeyId dev, " +
            $"then set {section}:MasterKeys:dev to the output of 'openssl rand -base64 32' the same way (and Admin:ApiKey for the admin API). " +
            $"In production use environment variables (Storage__{provider}__SecretProtection__MasterKeys__<id>) or a vault.",
        ]);
    }
}
