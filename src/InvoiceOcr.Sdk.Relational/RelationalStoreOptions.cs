using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>The options every relational store has; each provider's options derive from it and add their connection settings.</summary>
public abstract class RelationalStoreOptions
{
    /// <summary>Gets or sets a value indicating whether pending migrations are applied at start-up (otherwise start-up fails when the schema is not current).</summary>
    public bool AutoMigrate { get; set; } = true;

    /// <summary>Gets or sets the directory of the durable usage outbox (records kept while the database is unreachable); the provider's default when <see langword="null"/>.</summary>
    public string? OutboxDirectory { get; set; }

    /// <summary>Gets or sets how often the outbox is replayed into the database.</summary>
    public TimeSpan OutboxReplayInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the largest number of usage records written in one transaction by the group commit.</summary>
    [Range(1, 10_000)]
    public int UsageBatchSize { get; set; } = 256;

    /// <summary>Gets the master keys API key secrets are sealed with (required).</summary>
    public SecretProtectionOptions SecretProtection { get; } = new();

    /// <summary>Gets how long application logs and retry attempts are kept (billing data is never purged).</summary>
    public RelationalRetentionOptions Retention { get; } = new();

    /// <summary>Gets the outbox directory to use: <see cref="OutboxDirectory"/>, or the provider's default.</summary>
    /// <returns>The directory.</returns>
    public string GetOutboxDirectory() => OutboxDirectory ?? DefaultOutboxDirectory();

    /// <summary>Returns the provider's outbox directory when <see cref="OutboxDirectory"/> is not set (one per database, never shared by two).</summary>
    /// <returns>The directory.</returns>
    protected abstract string DefaultOutboxDirectory();
}

/// <summary>Validates what every relational store's options share; a provider's options validator adds its own checks.</summary>
public static class RelationalStoreOptionsValidation
{
    /// <summary>Returns the failures of the shared options: outbox replay interval, usage batch size, retention and the master keys.</summary>
    /// <param name="options">The options.</param>
    /// <param name="optionsName">The options type's name in messages, for example <c>SqliteStoreOptions</c>.</param>
    /// <returns>The failure messages (never secrets); empty when valid.</returns>
    public static IReadOnlyList<string> Validate(RelationalStoreOptions options, string optionsName)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.OutboxReplayInterval <= TimeSpan.Zero)
        {
            failures.Add(optionsName + ".OutboxReplayInterval must be positive.");
        }

        if (options.UsageBatchSize is < 1 or > 10_000)
        {
            failures.Add(optionsName + ".UsageBatchSize must be between 1 and 10000.");
        }

        failures.AddRange(options.Retention.Validate(optionsName + ".Retention"));
        failures.AddRange(SecretProtectionOptionsValidation.Validate(options.SecretProtection, optionsName + ".SecretProtection"));
        return failures;
    }
}
