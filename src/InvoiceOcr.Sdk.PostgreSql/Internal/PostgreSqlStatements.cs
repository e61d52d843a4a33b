using InvoiceOcr.Sdk.Relational;
using Q = InvoiceOcr.Sdk.PostgreSql.Store.PostgreSqlQueries;

namespace InvoiceOcr.Sdk.PostgreSql.Internal;

/// <summary>The PostgreSQL statements (<see cref="Q"/>, with their <c>{schema}</c> token and row locks) as the shared store takes them.</summary>
internal static class PostgreSqlStatements
{
    /// <summary>The statements; "now" is the database clock (<c>clock_timestamp()</c>) unless the store is given a clock.</summary>
    public static readonly RelationalStatements Instance = RelationalStatements.FromConstants(typeof(Q));
}
