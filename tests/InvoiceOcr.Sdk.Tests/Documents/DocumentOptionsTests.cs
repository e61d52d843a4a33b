using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace InvoiceOcr.Sdk.Tests.Documents;

public sealed class DocumentOptionsTests
{
    [Fact]
    public void Defaults_MatchGeminiLimits()
    {
        var options = new DocumentOptions();

        Assert.Equal(52_428_800, options.MaxFileBytes);
        Assert.Equal(1000, options.MaxPages);
        Assert.Equal(TimeSpan.FromSeconds(30), options.PdfParseTimeout);
        Assert.Equal(32L * 1024 * 1024, options.MaxEmbeddedXmlBytes);
        Assert.Null(options.AllowedKinds);
        Assert.Empty(Validate(options));
    }

    [Fact]
    public void Validate_OutOfRangeValues_NameEachSetting()
    {
        var options = new DocumentOptions { MaxFileBytes = 0, MaxPages = 0, PdfParseTimeout = TimeSpan.Zero, MaxEmbeddedXmlBytes = 0 };

        var members = Validate(options).SelectMany(r => r.MemberNames).Order(StringComparer.Ordinal);

        Assert.Equal(["MaxEmbeddedXmlBytes", "MaxFileBytes", "MaxPages", "PdfParseTimeout"], members);
    }

    [Fact]
    public void Validate_TimeoutOverAnHour_Fails()
    {
        Assert.Single(Validate(new DocumentOptions { PdfParseTimeout = TimeSpan.FromHours(2) }));
    }

    [Fact]
    public void Bind_FromConfiguration_ReplacesDefaultsAndSetsAllowedKinds()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Documents:MaxFileBytes"] = "1048576",
            ["Documents:MaxPages"] = "20",
            ["Documents:PdfParseTimeout"] = "00:00:05",
            ["Documents:AllowedKinds:0"] = "Pdf",
            ["Documents:AllowedKinds:1"] = "Png",
        }).Build();
        var options = new DocumentOptions();

        configuration.GetSection("Documents").Bind(options);

        Assert.Equal(1_048_576, options.MaxFileBytes);
        Assert.Equal(20, options.MaxPages);
        Assert.Equal(TimeSpan.FromSeconds(5), options.PdfParseTimeout);
        Assert.Equal([DocumentKind.Pdf, DocumentKind.Png], options.AllowedKinds);
    }

    private static List<ValidationResult> Validate(DocumentOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
