using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Emulator;

/// <summary>A model the emulator serves.</summary>
public sealed class EmulatorModelOptions
{
    /// <summary>Gets the models served when <see cref="GeminiEmulatorOptions.Models"/> is empty.</summary>
    public static IReadOnlyList<string> DefaultModels { get; } =
    [
        "gemini-2.0-flash",
        "gemini-2.0-flash-lite",
        "gemini-2.5-flash",
        "gemini-2.5-flash-lite",
        "gemini-2.5-pro",
        "gemini-3-flash-preview",
        "gemini-3-pro-preview",
    ];

    /// <summary>Gets or sets the bare model id as used in URLs, for example <c>gemini-2.5-flash</c>.</summary>
    /// <value>The default value is an empty string (invalid; an id must be set).</value>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9.\\-]*$", ErrorMessage = "A model id is lower-case letters, digits, dots and dashes, e.g. gemini-2.5-flash.")]
    public string Id { get; set; } = string.Empty;

    /// <summary>Gets or sets the most prompt tokens one request may carry.</summary>
    /// <value>The default value is 1048576.</value>
    [Range(1, int.MaxValue)]
    public int InputTokenLimit { get; set; } = 1_048_576;

    /// <summary>Gets or sets the most output tokens one answer may carry.</summary>
    /// <value>The default value is 65536.</value>
    [Range(1, int.MaxValue)]
    public int OutputTokenLimit { get; set; } = 65_536;

    /// <summary>
    /// Gets or sets the thinking tokens each billed answer reports (<c>usageMetadata.thoughtsTokenCount</c>, billed as
    /// output and included in <c>totalTokenCount</c>), so metering of thinking models can be tested.
    /// </summary>
    /// <value>The default value is <c>0</c> (no thinking; the field is omitted).</value>
    [Range(0, int.MaxValue)]
    public int ThoughtsTokens { get; set; }

    /// <summary>
    /// Gets or sets whether a repeated prompt prefix is billed as cached tokens (implicit caching; see the README).
    /// <see langword="null"/> follows the real service: on for Gemini 2.5 and newer, off for 2.0.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (by model version).</value>
    public bool? ImplicitCaching { get; set; }

    /// <summary>
    /// Gets or sets the model's minimum cacheable size in tokens: a smaller implicit hit is not cached and a smaller
    /// explicit cache is rejected. <see langword="null"/> uses the documented value (1024 for Flash 2.5+, 4096 for Pro and 2.0).
    /// </summary>
    /// <value>The default value is <see langword="null"/> (the documented minimum).</value>
    [Range(1, int.MaxValue)]
    public int? MinCacheTokens { get; set; }
}
