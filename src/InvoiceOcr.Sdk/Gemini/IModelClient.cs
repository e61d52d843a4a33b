namespace InvoiceOcr.Sdk.Gemini;

/// <summary>
/// One model request with one key: what the pipeline's Gemini stage calls. <see cref="GeminiClient"/> is the implementation;
/// tests put a scripted one in its place to drive the pipeline without HTTP.
/// </summary>
internal interface IModelClient
{
    /// <summary>Runs one <c>generateContent</c> call.</summary>
    /// <param name="request">The document, instructions, schema and output cap.</param>
    /// <param name="apiKey">The key for this attempt.</param>
    /// <param name="attemptId">The journaled attempt the request is (<see cref="GeminiClient.AttemptIdOption"/>), else the request's own <see cref="GeminiGenerateRequest.AttemptId"/>.</param>
    /// <param name="cancellationToken">Cancels the call; its cancellation propagates unchanged.</param>
    /// <returns>The billed answer, complete or not.</returns>
    /// <exception cref="InvoiceOcrException">The service answered an error, or the transport failed or timed out.</exception>
    ValueTask<GeminiGenerateResult> GenerateContentAsync(GeminiGenerateRequest request, string apiKey, string? attemptId, CancellationToken cancellationToken);
}
