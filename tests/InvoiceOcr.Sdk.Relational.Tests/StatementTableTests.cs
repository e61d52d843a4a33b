namespace InvoiceOcr.Sdk.Relational.Tests;

public sealed class StatementTableTests
{
    [Fact]
    public void FromConstants_ConstantsNamedLikeTheProperties_TakesEachStatementByName()
    {
        var table = RelationalRetentionStatements.FromConstants(typeof(CompletePurges));

        Assert.Equal(CompletePurges.PurgeApplicationLogs, table.PurgeApplicationLogs);
        Assert.Equal("DELETE FROM RetryAttempts WHERE Id < $cutoff;", table.PurgeRetryAttempts);
    }

    [Fact]
    public void FromConstants_RequiredStatementMissing_ThrowsNamingIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RelationalMigrationStatements.FromConstants(typeof(CompletePurges)));

        Assert.Contains("CreateVersionTable", error.Message, StringComparison.Ordinal);
        Assert.Contains("InsertVersion", error.Message, StringComparison.Ordinal);
    }

    private static class CompletePurges
    {
        public const string PurgeApplicationLogs = "DELETE FROM ApplicationLogs WHERE Id < $cutoff;";

        // Not public: the table takes any const string of the right name.
        private const string PurgeRetryAttempts = "DELETE FROM RetryAttempts WHERE Id < $cutoff;";

        public const string Unrelated = "SELECT 1;";

        public static string Retry => PurgeRetryAttempts;
    }
}
