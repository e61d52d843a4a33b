using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// Builds a statement table (<see cref="RelationalStatements"/>, <see cref="RelationalJobStatements"/>,
/// <see cref="RelationalRetentionStatements"/>) from a provider's class of SQL constants by name, so the list of
/// statements is written once (the table's properties) and a provider writes only its SQL text.
/// </summary>
internal static class StatementTable
{
    private const DynamicallyAccessedMemberTypes Constants = DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.NonPublicFields;

    public static T FromConstants<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicProperties)] T>(
        [DynamicallyAccessedMembers(Constants)] Type constants)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(constants);
        var sql = constants.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(static f => f.IsLiteral && f.FieldType == typeof(string))
            .ToDictionary(static f => f.Name, static f => (string)f.GetRawConstantValue()!, StringComparer.Ordinal);

        // The table's required members are a compile-time contract; reflection checks them here instead, at start-up.
        var table = Activator.CreateInstance<T>();
        var missing = new List<string>();
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(static p => p.PropertyType == typeof(string) && p.SetMethod is not null))
        {
            if (sql.TryGetValue(property.Name, out var text))
            {
                property.SetValue(table, text);
            }
            else if (property.IsDefined(typeof(RequiredMemberAttribute), inherit: false))
            {
                missing.Add(property.Name);
            }
        }

        return missing.Count == 0
            ? table
            : throw new InvalidOperationException($"{constants.FullName} has no string constant for the required statement(s) {string.Join(", ", missing)} of {typeof(T).Name}.");
    }
}
