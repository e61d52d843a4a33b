using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk;

/// <summary>
/// Optional request and token limits over the minute window (the sliding 60 seconds, see <see cref="QuotaWindows"/>) and
/// the day window (a calendar day in America/Los_Angeles, when the service resets its daily quotas). A
/// <see langword="null"/> limit is not enforced. What each token limit counts follows Google's definitions: the per-minute
/// token limit counts input tokens, the per-day one (and a key's lifetime limit) every billed token.
/// </summary>
public sealed record QuotaLimits
{
    /// <summary>No limits.</summary>
    public static QuotaLimits None { get; } = new();

    /// <summary>Gets the requests allowed per minute (RPM).</summary>
    [Range(0, int.MaxValue)]
    public int? RequestsPerMinute { get; init; }

    /// <summary>Gets the requests allowed per Pacific day (RPD).</summary>
    [Range(0, int.MaxValue)]
    public int? RequestsPerDay { get; init; }

    /// <summary>
    /// Gets the input tokens allowed per minute (TPM), as Google's per-minute token limit counts them
    /// (<c>GenerateContentInputTokensPerModelPerMinute</c>): the prompt's tokens (<c>promptTokenCount</c>, cached tokens
    /// included), not the output. A call is admitted on its prompt estimate and counted at the prompt tokens billed.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long? TokensPerMinute { get; init; }

    /// <summary>
    /// Gets the tokens allowed per Pacific day (TPD): every billed token (<c>totalTokenCount</c>: prompt, output, thoughts
    /// and tool-use prompt), as billing counts them. A call is admitted on its total estimate (prompt plus output cap) and
    /// counted at the tokens billed.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long? TokensPerDay { get; init; }

    /// <summary>Throws when a limit is negative.</summary>
    /// <param name="paramName">The parameter name to report.</param>
    internal void Validate(string paramName)
    {
        if (RequestsPerMinute < 0 || RequestsPerDay < 0 || TokensPerMinute < 0 || TokensPerDay < 0)
        {
            throw new ArgumentOutOfRangeException(paramName, "Quota limits must not be negative.");
        }
    }
}
