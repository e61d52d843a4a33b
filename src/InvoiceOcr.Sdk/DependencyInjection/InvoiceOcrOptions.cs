using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk;

/// <summary>The SDK's options, bound from the <c>InvoiceOcr</c> configuration section by convention and validated at start-up.</summary>
public sealed class InvoiceOcrOptions
{
    /// <summary>The configuration section name the samples bind from.</summary>
    public const string SectionName = "InvoiceOcr";

    /// <summary>Gets or sets the model used when a call does not name one.</summary>
    /// <value>The default value is <c>gemini-2.5-flash</c>.</value>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9.-]{0,99}$", ErrorMessage = "InvoiceOcr:Model must be a bare model id such as 'gemini-2.5-flash'.")]
    public string Model { get; set; } = "gemini-2.5-flash";
}
