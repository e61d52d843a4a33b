namespace InvoiceOcr.Sdk.Resilience;

/// <summary>The key's circuit breaker is open: no call was made with it, another key of the company should be tried.</summary>
internal sealed class KeyCircuitOpenException : InvoiceOcrException
{
    public KeyCircuitOpenException(string keyId, Exception? innerException = null)
        : base(
            InvoiceOcrErrorKind.ServerError,
            $"The circuit of key {keyId} is open after repeated service failures; the key is not used for now.",
            innerException)
    {
        KeyId = keyId;
        IsTransient = false;
    }
}
