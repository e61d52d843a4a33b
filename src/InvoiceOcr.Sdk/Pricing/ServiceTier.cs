namespace InvoiceOcr.Sdk;

/// <summary>How a model call was billed.</summary>
public enum ServiceTier
{
    /// <summary>An interactive call (<c>generateContent</c>, <c>streamGenerateContent</c>) at list price.</summary>
    Standard = 0,

    /// <summary>A request of a Batch API job, at <see cref="ModelPrice.BatchFactor"/> of list price.</summary>
    Batch = 1,
}
