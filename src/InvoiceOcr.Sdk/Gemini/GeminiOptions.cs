using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk;

/// <summary>How the SDK talks to the Gemini REST API: where, which model, and the generation settings.</summary>
/// <remarks>
/// Timeouts and retries are not set here: the resilience pipeline wraps every attempt. The API key is not
/// set here either; it comes from the company's key pool for each attempt.
/// </remarks>
public sealed class GeminiOptions
{
    /// <summary>The public Gemini API endpoint.</summary>
    public static readonly Uri DefaultBaseAddress = new("https://generativelanguage.googleapis.com/");

    /// <summary>Gets or sets the service root. Point it at the emulator or a proxy to stand in for Google.</summary>
    /// <remarks>
    /// Every request carries an API key in its <c>x-goog-api-key</c> header and an invoice in its body, so the address must
    /// be <c>https</c>; plain <c>http</c> is accepted only for a loopback host (<c>localhost</c>, <c>127.0.0.0/8</c>,
    /// <c>[::1]</c>, as the emulator runs in tests) unless <see cref="AllowPlainHttp"/> says otherwise. Validated when the host starts.
    /// </remarks>
    /// <value>The default value is <c>https://generativelanguage.googleapis.com/</c>.</value>
    [Required]
    public Uri BaseAddress { get; set; } = DefaultBaseAddress;

    /// <summary>
    /// Gets or sets whether <see cref="BaseAddress"/> may be a plain <c>http</c> URI on a host other than loopback, for
    /// example a TLS-terminating sidecar proxy on a private network. API keys and documents then cross that network in clear text.
    /// </summary>
    /// <value>The default value is <see langword="false"/>: plain <c>http</c> only for loopback hosts.</value>
    public bool AllowPlainHttp { get; set; }

    /// <summary>Gets or sets the REST API version segment of the URL.</summary>
    /// <value>The default value is <c>v1beta</c>.</value>
    [Required]
    [RegularExpression("^v[0-9]+[a-z0-9]*$", ErrorMessage = "Gemini:ApiVersion must look like 'v1beta' or 'v1'.")]
    public string ApiVersion { get; set; } = "v1beta";

    /// <summary>Gets or sets the model id, without the <c>models/</c> prefix.</summary>
    /// <value>The default value is <c>gemini-2.5-flash</c>.</value>
    [Required]
    [RegularExpression(@"^[A-Za-z0-9][A-Za-z0-9._\-]*$", ErrorMessage = "Gemini:Model must be a bare model id such as 'gemini-2.5-flash' (letters, digits, '.', '_' and '-').")]
    public string Model { get; set; } = "gemini-2.5-flash";

    /// <summary>
    /// Gets or sets the largest base64-encoded document, in bytes, that is sent inline in the request.
    /// Larger documents are uploaded through the Files API and referenced by <c>fileData</c>.
    /// </summary>
    /// <value>The default value is 20 MB (20,971,520 bytes), the request limit Gemini documented until 2025.</value>
    [Range(1, 100L * 1024 * 1024)]
    public long InlineDataLimitBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>Gets or sets the output token cap sent as <c>generationConfig.maxOutputTokens</c>.</summary>
    /// <value>The default value is 8192.</value>
    [Range(1, 1_000_000)]
    public int MaxOutputTokens { get; set; } = 8192;

    /// <summary>Gets or sets the sampling temperature sent as <c>generationConfig.temperature</c>.</summary>
    /// <value>The default value is 0 (deterministic extraction).</value>
    [Range(0.0, 2.0)]
    public double Temperature { get; set; }

    /// <summary>
    /// Gets or sets the thinking budget of extraction calls, sent as <c>generationConfig.thinkingConfig.thinkingBudget</c>:
    /// <c>0</c> turns thinking off, <c>-1</c> lets the model decide, a positive number caps the thinking tokens. Thinking
    /// tokens are billed as output, the dearest kind, and reading printed values off an invoice needs no reasoning.
    /// </summary>
    /// <remarks>
    /// When not set, extraction with a <c>gemini-2.5-flash</c> model (Flash and Flash-Lite, which can switch thinking off)
    /// sends <c>0</c>: without it Gemini 2.5 Flash thinks by default, and the recorded traffic shows 1,030 thinking tokens on a
    /// one-image call, about four times the answer. Other models get no thinking setting (Pro models cannot switch it off).
    /// </remarks>
    /// <value>The default value is <see langword="null"/>: <c>0</c> for <c>gemini-2.5-flash*</c> models, the model's default otherwise.</value>
    [Range(-1, 32_768)]
    public int? ThinkingBudget { get; set; }

    /// <summary>Gets or sets how long to wait between polls while an uploaded file is being processed.</summary>
    /// <value>The default value is 1 second.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan FilePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long an uploaded file may stay in <c>PROCESSING</c> before the attempt fails with a timeout.</summary>
    /// <value>The default value is 2 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FileProcessingTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
