using System.Globalization;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// The options every client-server relational store has (SQL Server, PostgreSQL): the connection string, the schema
/// holding the SDK's tables, the command and migration-lock time-outs. A provider's options derive from it.
/// </summary>
public abstract class RelationalServerStoreOptions : RelationalStoreOptions
{
    private static readonly System.Buffers.SearchValues<char> IdentifierCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

    private readonly int _maxSchemaNameLength;

    /// <summary>Initializes the options.</summary>
    /// <param name="maxSchemaNameLength">The longest identifier the server allows (SQL Server 128, PostgreSQL 63).</param>
    protected RelationalServerStoreOptions(int maxSchemaNameLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSchemaNameLength, 1);
        _maxSchemaNameLength = maxSchemaNameLength;
    }

    /// <summary>Gets or sets the connection string. Set by the provider's <c>AddXxxStore</c>.</summary>
    /// <value>The default value is <see langword="null"/>, which fails validation.</value>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the database schema that holds the SDK's tables and views (a plain identifier, so it can never inject SQL).</summary>
    /// <value>The default value is <c>InvoiceOcr</c>.</value>
    public string SchemaName { get; set; } = "InvoiceOcr";

    /// <summary>Gets or sets the command timeout.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long start-up waits for another instance's migration lock.</summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan MigrationLockTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets the name of the outbox folder under <c>InvoiceOcr/outbox</c> (one per schema, never shared by two); the schema name by default.</summary>
    protected virtual string OutboxFolderName => SchemaName;

    /// <inheritdoc />
    /// <remarks>Per schema under the user's local application data (the temporary folder when there is none): <c>InvoiceOcr/outbox/&lt;OutboxFolderName&gt;</c>.</remarks>
    protected override string DefaultOutboxDirectory() => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create) is { Length: > 0 } local ? local : Path.GetTempPath(),
        "InvoiceOcr",
        "outbox",
        OutboxFolderName);

    /// <summary>Returns the failures of the server options alone (connection string, schema name, time-outs); <see cref="RelationalServerStoreOptionsValidator{TOptions}"/> adds the shared ones.</summary>
    /// <param name="optionsName">The options type's name in messages, for example <c>SqlServerStoreOptions</c>.</param>
    /// <param name="addMethod">The registration method that takes the connection string, for example <c>AddSqlServerStore</c>.</param>
    /// <param name="checkConnectionString">Returns why a connection string is not valid for the provider (never its values), or <see langword="null"/> when it is.</param>
    /// <returns>The failure messages (never secrets); empty when valid.</returns>
    internal List<string> ValidateServer(string optionsName, string addMethod, Func<string, string?> checkConnectionString)
    {
        ArgumentNullException.ThrowIfNull(checkConnectionString);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            failures.Add($"{optionsName}.ConnectionString is required: pass it to {addMethod}.");
        }
        else if (checkConnectionString(ConnectionString) is { } problem)
        {
            failures.Add($"{optionsName}.ConnectionString {problem}");
        }

        if (!IsPlainIdentifier(SchemaName, _maxSchemaNameLength))
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{optionsName}.SchemaName '{SchemaName}' must be a plain identifier: a letter or '_' followed by up to {_maxSchemaNameLength - 1} letters, digits or '_'."));
        }

        if (CommandTimeout <= TimeSpan.Zero)
        {
            failures.Add(optionsName + ".CommandTimeout must be positive.");
        }

        if (MigrationLockTimeout < TimeSpan.Zero)
        {
            failures.Add(optionsName + ".MigrationLockTimeout must not be negative.");
        }

        return failures;
    }

    /// <summary>Gets the longest schema name the server allows.</summary>
    internal int MaxSchemaNameLength => _maxSchemaNameLength;

    /// <summary>Returns <paramref name="schemaName"/> when it is a plain identifier of at most <paramref name="maxLength"/> characters (so it can never inject SQL).</summary>
    /// <param name="schemaName">The schema name.</param>
    /// <param name="maxLength">The longest identifier the server allows (SQL Server 128, PostgreSQL 63).</param>
    /// <returns>The schema name.</returns>
    /// <exception cref="ArgumentException">It is not a plain identifier.</exception>
    public static string ThrowIfNotPlainIdentifier(string? schemaName, int maxLength) =>
        IsPlainIdentifier(schemaName, maxLength)
            ? schemaName!
            : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"'{schemaName}' is not a valid schema name: use a letter or '_' followed by up to {maxLength - 1} letters, digits or '_'."), nameof(schemaName));

    private static bool IsPlainIdentifier(string? name, int maxLength) =>
        name is { Length: > 0 } && name.Length <= maxLength && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.AsSpan(1).ContainsAnyExcept(IdentifierCharacters) is false;
}
