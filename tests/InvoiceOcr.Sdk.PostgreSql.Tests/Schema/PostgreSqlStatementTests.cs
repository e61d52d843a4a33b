using System.Reflection;
using System.Text.RegularExpressions;
using InvoiceOcr.Sdk.PostgreSql.Internal;
using InvoiceOcr.Sdk.PostgreSql.Schema;
using Npgsql;

namespace InvoiceOcr.Sdk.PostgreSql.Tests.Schema;

/// <summary>
/// Every statement the store issues, prepared by the real server against the schema the migrations create: PostgreSQL
/// parses it, resolves every table and column, and infers every parameter's type (a parameter it cannot type fails here).
/// </summary>
public sealed partial class PostgreSqlStatementTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Statements()
    {
        var data = new TheoryData<string>();
        foreach (var field in Type.GetType("InvoiceOcr.Sdk.PostgreSql.Store.PostgreSqlQueries, InvoiceOcr.Sdk.PostgreSql", throwOnError: true)!
                     .GetFields(BindingFlags.Public | BindingFlags.Static)
                     .Where(f => f.IsLiteral && f.FieldType == typeof(string)))
        {
            data.Add(field.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public async Task Statement_PreparedAgainstTheMigratedSchema_ParsesBindsAndTypesEveryParameter(string name)
    {
        var sql = (string)Type.GetType("InvoiceOcr.Sdk.PostgreSql.Store.PostgreSqlQueries, InvoiceOcr.Sdk.PostgreSql", throwOnError: true)!
            .GetField(name, BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;
        await using var schema = await PostgreSqlTestSchema.CreateAsync();
        await using var database = new PostgreSqlDatabase(schema.Options());
        await new PostgreSqlMigrator(database, schema.Options(), Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgreSqlMigrator>.Instance).MigrateAsync(Ct);

        // PREPARE with untyped $n parameters: the server must infer each one's type from the statement alone.
        var positional = sql.Replace("{schema}", schema.Schema, StringComparison.Ordinal);
        var names = new List<string>();
        positional = Parameter().Replace(positional, m =>
        {
            var index = names.IndexOf(m.Groups[1].Value);
            if (index < 0)
            {
                names.Add(m.Groups[1].Value);
                index = names.Count - 1;
            }

            return "$" + (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        await using var connection = new NpgsqlConnection(schema.ConnectionString);
        await connection.OpenAsync(Ct);
        await using (var prepare = new NpgsqlCommand("PREPARE s AS " + positional.TrimEnd().TrimEnd(';'), connection))
        {
            await prepare.ExecuteNonQueryAsync(Ct);
        }

        await using var types = new NpgsqlCommand("SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = 's';", connection);
        var inferred = (string[])(await types.ExecuteScalarAsync(Ct))!;
        Assert.Equal(names.Count, inferred.Length);
        Assert.DoesNotContain("unknown", inferred);
    }

    [GeneratedRegex(@"(?<![@\w])@([A-Za-z_]\w*)")]
    private static partial Regex Parameter();
}
