namespace InvoiceOcr.Sdk;

/// <summary>
/// The prices of one tier of a model (standard or long-context), in the price table's currency per one million tokens.
/// A price left <see langword="null"/> falls back as documented on it.
/// </summary>
public sealed class TokenPrices
{
    /// <summary>Gets or sets the price of a million TEXT-modality prompt tokens (and any modality without its own price).</summary>
    /// <value>The default value is 0.</value>
    public decimal InputText { get; set; }

    /// <summary>Gets or sets the price of a million IMAGE-modality prompt tokens.</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="InputText"/>.</value>
    public decimal? InputImage { get; set; }

    /// <summary>Gets or sets the price of a million DOCUMENT-modality prompt tokens (PDF pages on Gemini 2.x).</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="InputText"/>.</value>
    public decimal? InputDocument { get; set; }

    /// <summary>Gets or sets the price of a million AUDIO-modality prompt tokens (the prompt tokens no other modality accounts for).</summary>
    /// <value>The default value is <see langword="null"/>: <see cref="InputText"/>.</value>
    public decimal? InputAudio { get; set; }

    /// <summary>Gets or sets the price of a million output tokens, thinking tokens included (Google bills thoughts as output).</summary>
    /// <value>The default value is 0.</value>
    public decimal Output { get; set; }

    /// <summary>Gets or sets the price of a million prompt tokens served from an implicit or explicit cache.</summary>
    /// <value>The default value is <see langword="null"/>: the model has no cache discount, cached tokens cost as input.</value>
    public decimal? CachedInput { get; set; }

    internal IEnumerable<(string Name, decimal? Value)> All()
    {
        yield return (nameof(InputText), InputText);
        yield return (nameof(InputImage), InputImage);
        yield return (nameof(InputDocument), InputDocument);
        yield return (nameof(InputAudio), InputAudio);
        yield return (nameof(Output), Output);
        yield return (nameof(CachedInput), CachedInput);
    }
}
