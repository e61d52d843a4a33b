namespace InvoiceOcr.Sdk.Invoices;

/// <summary>Marks a property the model must always return (its value may still be null when the document lacks it).</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
internal sealed class ExtractionRequiredAttribute : Attribute;

/// <summary>Marks a property the SDK fills itself; it is left out of the response schema sent to the model.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
internal sealed class ExcludedFromModelSchemaAttribute : Attribute;
