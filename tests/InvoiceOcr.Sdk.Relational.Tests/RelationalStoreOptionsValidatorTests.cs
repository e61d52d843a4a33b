namespace InvoiceOcr.Sdk.Relational.Tests;

public sealed class RelationalStoreOptionsValidatorTests
{
    [Fact]
    public void Validate_ConnectionStringTheClientRejects_FailsNamingTheClientAndNeverTheValue()
    {
        var options = new TestServerOptions { ConnectionString = "Server=db;Password=test-key-secret;Bogus=1" };

        var result = new TestServerValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("TestServerOptions.ConnectionString is not a valid TestClient connection string: Keyword not supported: 'bogus'.", result.Failures!);
        Assert.DoesNotContain(result.Failures!, f => f.Contains("test-key-secret", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_ServerAndSharedFailures_ReportsBothAtOnce()
    {
        var options = new TestServerOptions { ConnectionString = "Server=db", SchemaName = "bad-name", CommandTimeout = TimeSpan.Zero };

        var failures = new TestServerValidator().Validate(null, options).Failures!.ToList();

        Assert.Contains(failures, f => f.StartsWith("TestServerOptions.SchemaName 'bad-name' must be a plain identifier", StringComparison.Ordinal));
        Assert.Contains("TestServerOptions.CommandTimeout must be positive.", failures);
        Assert.Contains(failures, f => f.StartsWith("TestServerOptions.SecretProtection.MasterKeys is empty", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("InvoiceOcr", true)]
    [InlineData("_tenant_1", true)]
    [InlineData("bad-name", false)]
    [InlineData("1abc", false)]
    [InlineData("x\"; DROP TABLE y; --", false)]
    [InlineData("abcdefghijk", false)]
    public void ThrowIfNotPlainIdentifier_Name_AcceptsOnlyPlainIdentifiersWithinTheLength(string name, bool valid)
    {
        // At most 10 characters: "InvoiceOcr" is exactly 10, "abcdefghijk" one more.
        if (valid)
        {
            Assert.Equal(name, RelationalServerStoreOptions.ThrowIfNotPlainIdentifier(name, 10));
        }
        else
        {
            Assert.Throws<ArgumentException>(() => RelationalServerStoreOptions.ThrowIfNotPlainIdentifier(name, 10));
        }
    }

    private sealed class TestServerOptions() : RelationalServerStoreOptions(63);

    private sealed class TestServerValidator() : RelationalServerStoreOptionsValidator<TestServerOptions>("AddTestStore", "TestClient")
    {
        protected override string? CheckConnectionString(string connectionString) =>
            connectionString.Contains("Bogus", StringComparison.Ordinal) ? throw new ArgumentException("Keyword not supported: 'bogus'.") : null;
    }
}
