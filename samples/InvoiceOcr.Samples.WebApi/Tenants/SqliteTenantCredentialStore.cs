using System.Globalization;
using System.Security.Cryptography;
using InvoiceOcr.Samples.WebApi.Hosting;

namespace InvoiceOcr.Samples.WebApi.Tenants;

/// <summary>Tenant credentials in the sample's SQLite file, hashed (see <see cref="TenantToken"/>).</summary>
internal sealed class SqliteTenantCredentialStore(SampleDatabase database, TimeProvider time) : ITenantCredentialStore
{
    public async Task<IssuedTenantCredential> IssueAsync(string companyId, string? label, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(companyId);
        var (id, token, hash) = TenantToken.Create();
        var credential = new TenantCredential { Id = id, CompanyId = companyId, Label = label, CreatedAt = time.GetUtcNow() };
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO TenantCredentials (Id, CompanyId, Label, SecretHash, CreatedAt) VALUES ($id, $company, $label, $hash, $at);";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$company", companyId);
        command.Parameters.AddWithValue("$label", (object?)label ?? DBNull.Value);
        command.Parameters.AddWithValue("$hash", hash);
        command.Parameters.AddWithValue("$at", Format(credential.CreatedAt));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return new IssuedTenantCredential(credential, token);
    }

    public async Task<TenantCredential?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (!TenantToken.TryParse(token, out var id, out var secret))
        {
            return null;
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Id, CompanyId, Label, CreatedAt, RevokedAt, SecretHash FROM TenantCredentials WHERE Id = $id;";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var credential = Read(reader);
        var stored = (byte[])reader.GetValue(5);
        return CryptographicOperations.FixedTimeEquals(stored, TenantToken.Hash(secret)) && credential.RevokedAt is null ? credential : null;
    }

    public async Task<IReadOnlyList<TenantCredential>> ListAsync(string companyId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Id, CompanyId, Label, CreatedAt, RevokedAt FROM TenantCredentials WHERE CompanyId = $company ORDER BY CreatedAt DESC;";
        command.Parameters.AddWithValue("$company", companyId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<TenantCredential>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(Read(reader));
        }

        return list;
    }

    public async Task<IReadOnlyList<string>> ListCompaniesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT CompanyId FROM TenantCredentials ORDER BY CompanyId;";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }

    public async Task<bool> RevokeAsync(string credentialId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE TenantCredentials SET RevokedAt = $at WHERE Id = $id AND RevokedAt IS NULL;";
        command.Parameters.AddWithValue("$id", credentialId);
        command.Parameters.AddWithValue("$at", Format(time.GetUtcNow()));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private static TenantCredential Read(Microsoft.Data.Sqlite.SqliteDataReader reader) => new()
    {
        Id = reader.GetString(0),
        CompanyId = reader.GetString(1),
        Label = reader.IsDBNull(2) ? null : reader.GetString(2),
        CreatedAt = Parse(reader.GetString(3)),
        RevokedAt = reader.IsDBNull(4) ? null : Parse(reader.GetString(4)),
    };

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}
