using InvoiceOcr.Sdk.Validation;

namespace InvoiceOcr.Sdk.Tests.Validation;

public sealed class GstinTests
{
    [Theory]
    [InlineData("27AAPFU0939F1ZV")]
    [InlineData("37AACCT1412E1ZU")]
    [InlineData("37AABCM9425F1ZF")]
    [InlineData("29AAGCB7383J1Z4")]
    [InlineData("06AABCO6063D1ZQ")] // oyo.pdf, invoice2data ground truth
    public void ComputeCheckCharacter_KnownValidGstin_MatchesItsLastCharacter(string gstin)
    {
        Assert.True(Gstin.HasValidFormat(gstin));
        Assert.Equal(gstin[14], Gstin.ComputeCheckCharacter(gstin));
        Assert.True(Gstin.HasValidCheckCharacter(gstin));
    }

    [Theory]
    [InlineData("27AAPFU0939F1ZO")] // GEMINI_NOTES §E.4: expected V
    [InlineData("27AAPFU0939F1ZW")]
    [InlineData("37AACCT1412E1ZV")]
    [InlineData("29AAGCB7383J1Z5")]
    [InlineData("06AABCO6063D1ZR")]
    public void HasValidCheckCharacter_MutatedCheckCharacter_IsFalse(string gstin)
    {
        Assert.True(Gstin.HasValidFormat(gstin));
        Assert.False(Gstin.HasValidCheckCharacter(gstin));
    }

    [Fact]
    public void HasValidCheckCharacter_EverySingleCharacterSubstitutionInTheBody_IsDetected()
    {
        const string valid = "27AAPFU0939F1ZV";
        const string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        var mutations = 0;
        for (var i = 0; i < 14; i++)
        {
            foreach (var c in alphabet)
            {
                if (c == valid[i])
                {
                    continue;
                }

                var mutated = string.Concat(valid.AsSpan(0, i), c.ToString(), valid.AsSpan(i + 1));
                Assert.NotEqual(valid[14], Gstin.ComputeCheckCharacter(mutated));
                mutations++;
            }
        }

        Assert.Equal(14 * 35, mutations);
    }

    [Theory]
    [InlineData("27AAPFU0939F1Z")] // 14 characters
    [InlineData("27AAPFU0939F1ZVV")] // 16 characters
    [InlineData("00AAPFU0939F1ZV")] // no state 00
    [InlineData("27AAPXU0939F1ZV")] // X is no PAN holder type
    [InlineData("27AAPFU0000F1ZV")] // PAN serial 0000
    [InlineData("27AAPFU0939F1YV")] // 14th character must be Z
    [InlineData("27AAPFU0939F0ZV")] // entity number 0
    [InlineData("27aapfu0939f1zv")] // not normalised
    public void HasValidFormat_Malformed_IsFalse(string gstin) => Assert.False(Gstin.HasValidFormat(gstin));

    [Theory]
    [InlineData("27-Maharashtra", "27")]
    [InlineData("Maharashtra (27)", "27")]
    [InlineData("29", "29")]
    [InlineData("Karnataka", "29")]
    [InlineData("Dadra and Nagar Haveli and Daman and Diu", "26")]
    [InlineData("Orissa", "21")]
    [InlineData("New Delhi", "07")]
    [InlineData("Haryana", "06")]
    public void ParsePlaceOfSupply_PrintedForms_ReturnsStateCode(string printed, string code) =>
        Assert.Equal(code, GstStates.ParsePlaceOfSupply(printed));

    [Theory]
    [InlineData("Bavaria")]
    [InlineData("00")]
    [InlineData("")]
    public void ParsePlaceOfSupply_Unknown_ReturnsNull(string printed) => Assert.Null(GstStates.ParsePlaceOfSupply(printed));
}
