using InvoiceOcr.Sdk.Relational;
using Q = InvoiceOcr.Sdk.SqlServer.Store.SqlServerQueries;

namespace InvoiceOcr.Sdk.SqlServer.Internal;

/// <summary>The SQL Server statements (<see cref="Q"/>, with their <c>{schema}</c> token and lock hints) as the shared store takes them.</summary>
internal static class SqlServerStatements
{
    /// <summary>The statements; "now" is the database clock (<c>SYSUTCDATETIME()</c>) unless the store is given a clock.</summary>
    public static readonly RelationalStatements Instance = RelationalStatements.FromConstants(typeof(Q));
}
