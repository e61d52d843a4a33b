using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// The start-up validator of a relational provider's options, written once: the provider lists its own failures, the
/// shared ones (<see cref="RelationalStoreOptionsValidation"/>: master keys, outbox, retention) follow, and every
/// failure is reported at once. Failure messages never hold a secret.
/// </summary>
/// <typeparam name="TOptions">The provider's options.</typeparam>
public abstract class RelationalStoreOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : RelationalStoreOptions
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return SecretProtectionOptionsValidation.ToResult([.. GetProviderFailures(options), .. RelationalStoreOptionsValidation.Validate(options, typeof(TOptions).Name)]);
    }

    /// <summary>Returns the failures of the provider's own options (its target, its time-outs), before the shared ones.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The failure messages, each starting with the options type's name; empty when valid.</returns>
    protected abstract IEnumerable<string> GetProviderFailures(TOptions options);
}

/// <summary>
/// The start-up validator of a client-server provider's options (<see cref="RelationalServerStoreOptions"/>): the
/// connection string (required, and accepted by the provider's client), the schema name and the time-outs, then the
/// shared options.
/// </summary>
/// <typeparam name="TOptions">The provider's options.</typeparam>
public abstract class RelationalServerStoreOptionsValidator<TOptions> : RelationalStoreOptionsValidator<TOptions>
    where TOptions : RelationalServerStoreOptions
{
    private readonly string _addMethod;
    private readonly string _client;

    /// <summary>Initializes the validator.</summary>
    /// <param name="addMethod">The registration method that takes the connection string, for example <c>AddSqlServerStore</c>.</param>
    /// <param name="client">The client whose connection strings are accepted, in messages, for example <c>SQL Server</c> or <c>Npgsql</c>.</param>
    protected RelationalServerStoreOptionsValidator(string addMethod, string client)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(addMethod);
        ArgumentException.ThrowIfNullOrWhiteSpace(client);
        _addMethod = addMethod;
        _client = client;
    }

    /// <inheritdoc />
    protected sealed override IEnumerable<string> GetProviderFailures(TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.ValidateServer(typeof(TOptions).Name, _addMethod, Check);
    }

    /// <summary>Parses a connection string with the provider's client and returns why it cannot be used, or <see langword="null"/>.</summary>
    /// <param name="connectionString">The connection string (never put in a message).</param>
    /// <returns>Why it cannot be used, for example <c>names no Host.</c>; <see langword="null"/> when it can.</returns>
    /// <exception cref="ArgumentException">The client rejects it; the message names the bad keyword, never a value.</exception>
    protected abstract string? CheckConnectionString(string connectionString);

    private string? Check(string connectionString)
    {
        try
        {
            return CheckConnectionString(connectionString);
        }
        catch (ArgumentException ex)
        {
            // The clients' messages name the bad keyword, never a value, so no password reaches the logs.
            return $"is not a valid {_client} connection string: {ex.Message}";
        }
    }
}
