namespace InvoiceOcr.Sdk;

/// <summary>The lifecycle state of an API key in the key pool.</summary>
public enum ApiKeyStatus
{
    /// <summary>The key may serve calls.</summary>
    Active = 0,

    /// <summary>The key's expiry date has passed.</summary>
    Expired = 1,

    /// <summary>The key used up its lifetime token limit.</summary>
    Exceeded = 2,

    /// <summary>The key was disabled, by an operator or because the service reported it invalid or revoked.</summary>
    Disabled = 3,
}
