namespace InvoiceOcr.Sdk;

/// <summary>Who spoke a turn of a <see cref="ModelRequest"/>.</summary>
public enum ModelRole
{
    /// <summary>The user (Gemini's <c>user</c> role).</summary>
    User = 0,

    /// <summary>The model, in an earlier turn of a conversation (Gemini's <c>model</c> role).</summary>
    Model = 1,
}
