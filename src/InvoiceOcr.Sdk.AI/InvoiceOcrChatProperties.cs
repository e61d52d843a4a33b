namespace InvoiceOcr.Sdk.AI;

/// <summary>
/// The <see cref="Microsoft.Extensions.AI.ChatOptions.AdditionalProperties"/> keys the SDK's chat client reads: who pays for a
/// call and what is recorded with its usage. Values are strings.
/// </summary>
public static class InvoiceOcrChatProperties
{
    /// <summary>The company whose key pool and quotas serve the call (required here or in an <see cref="InvoiceOcrChatScope"/>).</summary>
    public const string CompanyId = "invoiceocr.company_id";

    /// <summary>The user who asked, recorded with the usage.</summary>
    public const string RequestedBy = "invoiceocr.requested_by";

    /// <summary>The branch the call is made for, recorded with the usage.</summary>
    public const string Branch = "invoiceocr.branch";

    /// <summary>An idempotency key: a replay of a succeeded call returns its stored answer with no model call.</summary>
    public const string IdempotencyKey = "invoiceocr.idempotency_key";
}
