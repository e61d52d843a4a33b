using InvoiceOcr.Sdk.Validation;

namespace InvoiceOcr.Sdk.Tests.Validation;

public sealed class VatIdsTests
{
    [Theory]
    [InlineData("ATU13585627")]
    [InlineData("BE0411905847")]
    [InlineData("BG175074752")]
    [InlineData("CY10259033P")]
    [InlineData("CZ25123891")]
    [InlineData("DE123456789")]
    [InlineData("DK13585628")]
    [InlineData("EE100931558")]
    [InlineData("EL094259216")]
    [InlineData("ESA12345674")] // Facture_UE_MINIMUM buyer
    [InlineData("FI20774740")]
    [InlineData("FR32123456789")] // Facture_F20180027 seller
    [InlineData("FR 05 987 654 321")] // Facture_F20180027 buyer, as written in the XML
    [InlineData("HR33392005961")]
    [InlineData("HU12892312")]
    [InlineData("IE6388047V")]
    [InlineData("IE1234567WA")]
    [InlineData("IT00743110157")]
    [InlineData("LT119511515")]
    [InlineData("LU15027442")]
    [InlineData("LV40003521600")]
    [InlineData("MT11679112")]
    [InlineData("NL123456789B01")]
    [InlineData("PL5260250274")]
    [InlineData("PT501964843")]
    [InlineData("RO18547290")]
    [InlineData("SE556188840401")]
    [InlineData("SI50223054")]
    [InlineData("SK2022749619")]
    [InlineData("XI123456789")]
    [InlineData("GB123456789")] // EN16931_Innergemeinschaftliche_Lieferungen seller
    [InlineData("GBGD001")]
    [InlineData("CHE-123.456.789 MWST")]
    [InlineData("NO123456789MVA")]
    public void IsValid_WellFormedVatId_IsTrue(string vatId)
    {
        Assert.True(VatIds.IsValid(vatId, out var country));
        Assert.NotNull(country);
    }

    [Theory]
    [InlineData("DE12345678", "DE")] // 8 digits
    [InlineData("ATX13585627", "AT")] // missing U
    [InlineData("NL123456789A01", "NL")]
    [InlineData("FRI0123456789", "FR")] // I is not allowed in the key
    [InlineData("SE556188840402", "SE")] // must end in 01
    [InlineData("BE2411905847", "BE")]
    public void IsValid_WrongFormat_IsFalseWithCountry(string vatId, string country)
    {
        Assert.False(VatIds.IsValid(vatId, out var found));
        Assert.Equal(country, found);
    }

    [Theory]
    [InlineData("US123456789")]
    [InlineData("123456789")]
    [InlineData("D")]
    public void IsValid_UnknownPrefix_IsFalseWithoutCountry(string vatId)
    {
        Assert.False(VatIds.IsValid(vatId, out var country));
        Assert.Null(country);
    }

    [Fact]
    public void Countries_CoverEveryEuMemberStateAndXiGbChNo()
    {
        string[] expected = ["AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI", "GB", "CH", "NO"];
        Assert.Empty(expected.Except(VatIds.Countries));
    }
}
