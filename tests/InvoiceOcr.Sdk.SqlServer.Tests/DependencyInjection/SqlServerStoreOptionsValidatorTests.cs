using InvoiceOcr.Sdk.SqlServer.DependencyInjection;

namespace InvoiceOcr.Sdk.SqlServer.Tests.DependencyInjection;

public sealed class SqlServerStoreOptionsValidatorTests
{
    private static SqlServerStoreOptions Valid()
    {
        var options = new SqlServerStoreOptions { ConnectionString = "Server=localhost;Database=InvoiceOcr;Integrated Security=true" };
        options.SecretProtection.CurrentKeyId = "k1";
        options.SecretProtection.MasterKeys["k1"] = Convert.ToBase64String(new byte[32]);
        return options;
    }

    [Fact]
    public void Validate_CompleteOptions_Succeeds()
    {
        Assert.True(new SqlServerStoreOptionsValidator().Validate(null, Valid()).Succeeded);
    }

    [Theory]
    [InlineData("dbo; DROP TABLE x")]
    [InlineData("1schema")]
    [InlineData("my-schema")]
    [InlineData("]")]
    [InlineData("")]
    public void Validate_SchemaNameNotAPlainIdentifier_FailsNamingTheOption(string schema)
    {
        var options = Valid();
        options.SchemaName = schema;

        var result = new SqlServerStoreOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("SchemaName", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MissingConnectionStringAndKeys_ListsEveryProblem()
    {
        var options = new SqlServerStoreOptions();

        var result = new SqlServerStoreOptionsValidator().Validate(null, options);

        Assert.Contains("ConnectionString is required", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("MasterKeys is empty", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("CurrentKeyId is required", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MasterKeyNot32Bytes_Fails()
    {
        var options = Valid();
        options.SecretProtection.MasterKeys["k1"] = Convert.ToBase64String(new byte[16]);

        var result = new SqlServerStoreOptionsValidator().Validate(null, options);

        Assert.Contains("exactly 32 bytes", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void GetInstallScript_SchemaNameWithInjection_Throws()
    {
        Assert.Throws<ArgumentException>(() => SqlServerStoreSchema.GetInstallScript("x]; DROP TABLE y;--"));
    }
}
