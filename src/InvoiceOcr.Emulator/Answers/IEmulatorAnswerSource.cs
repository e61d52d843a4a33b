namespace InvoiceOcr.Emulator;

/// <summary>
/// Supplies the model's answer for a request the emulator has no canned answer for — for example "read the e-invoice
/// XML embedded in the PDF and answer with the invoice it describes". Sources are consulted in order after the
/// SHA-256 answers of <see cref="GeminiEmulatorOptions.Answers"/>; the first non-<see langword="null"/> answer wins.
/// </summary>
public interface IEmulatorAnswerSource
{
    /// <summary>Returns the answer text, or <see langword="null"/> when this source has nothing honest to say.</summary>
    /// <param name="request">What the caller sent: model, documents, prompt and requested schema.</param>
    /// <param name="cancellationToken">Cancelled when the caller goes away.</param>
    /// <returns>The exact text to put in <c>candidates[0].content.parts[0].text</c>, or <see langword="null"/>.</returns>
    ValueTask<string?> GetAnswerAsync(EmulatorAnswerRequest request, CancellationToken cancellationToken);
}
