using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace InvoiceOcr.Emulator;

/// <summary>
/// Configures a <see cref="GeminiEmulator"/>: who may call it (keys and the projects they belong to), the quotas of
/// each project, the models it serves, canned answers, faults and the seed that makes everything reproducible.
/// The same class is bound from the JSON file given to the emulator program with <c>--config</c>.
/// </summary>
public sealed class GeminiEmulatorOptions
{
    /// <summary>The largest request body (bytes) the real service accepted when it was recorded (300 MiB).</summary>
    public const long RecordedMaxRequestBytes = 314_572_800;

    /// <summary>Gets or sets the address Kestrel listens on.</summary>
    /// <value>The default value is <c>127.0.0.1</c> (loopback only).</value>
    [Required]
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>Gets or sets the TCP port; <c>0</c> picks a free port.</summary>
    /// <value>The default value is <c>0</c>.</value>
    [Range(0, 65535)]
    public int Port { get; set; }

    /// <summary>Gets the API keys the emulator accepts.</summary>
    /// <value>The default value is an empty list (every key is unknown).</value>
    public IList<EmulatorKeyOptions> Keys { get; } = [];

    /// <summary>Gets the projects and their quotas, by project id. A key naming a project absent here gets an unlimited project.</summary>
    /// <value>The default value is an empty dictionary.</value>
    public IDictionary<string, EmulatorProjectOptions> Projects { get; } = new Dictionary<string, EmulatorProjectOptions>(StringComparer.Ordinal);

    /// <summary>Gets the models the emulator serves. When empty, <see cref="EmulatorModelOptions.DefaultModels"/> are served.</summary>
    /// <value>The default value is an empty list (meaning the default model set).</value>
    public IList<EmulatorModelOptions> Models { get; } = [];

    /// <summary>
    /// Gets canned answers by the SHA-256 (hex, any case) of a document in the request. The value is the exact text the
    /// model returns in <c>candidates[0].content.parts[0].text</c> (usually a JSON document).
    /// </summary>
    /// <value>The default value is an empty dictionary.</value>
    public IDictionary<string, string> Answers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets the answer sources consulted, in order, when no canned answer matches. Not bound from configuration.
    /// </summary>
    /// <value>The default value is an empty list.</value>
    public IList<IEmulatorAnswerSource> AnswerSources { get; } = [];

    /// <summary>
    /// Gets or sets a value indicating whether a PDF that embeds an e-invoice (Factur-X / ZUGFeRD / XRechnung / UBL) is
    /// answered with the invoice its XML describes, as a perfect model would, after <see cref="AnswerSources"/>.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool AnswerEmbeddedInvoices { get; set; } = true;

    /// <summary>Gets or sets the fault injection settings.</summary>
    /// <value>The default value is no faults and no latency.</value>
    [Required]
    public EmulatorFaultOptions Faults { get; set; } = new();

    /// <summary>Gets or sets the seed of every random choice (faults, latency jitter, response ids).</summary>
    /// <value>The default value is <c>0</c>.</value>
    public int Seed { get; set; }

    /// <summary>Gets or sets the request body limit in bytes; larger requests get the recorded 400 "Request payload size exceeds the limit" body.</summary>
    /// <value>The default value is <see cref="RecordedMaxRequestBytes"/> (314572800, the limit seen in a real error).</value>
    [Range(1, long.MaxValue)]
    public long MaxRequestBytes { get; set; } = RecordedMaxRequestBytes;

    /// <summary>Gets or sets how long an uploaded file stays <c>PROCESSING</c> before it becomes <c>ACTIVE</c>.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/> (active as soon as the upload is finalized).</value>
    public TimeSpan FileProcessingTime { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets how long uploaded files are kept before they expire (the real service keeps them 48 hours).</summary>
    /// <value>The default value is 48 hours.</value>
    public TimeSpan FileRetention { get; set; } = TimeSpan.FromHours(48);

    /// <summary>
    /// Gets or sets how long a prompt prefix stays in the implicit cache after it was last sent (the real service does not
    /// publish it; "a short amount of time").
    /// </summary>
    /// <value>The default value is 5 minutes.</value>
    public TimeSpan ImplicitCacheWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets a value indicating whether ASP.NET Core logs to the console (never at a level that prints request URLs).</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool EnableConsoleLogging { get; set; }

    /// <summary>Checks the options and throws a clear error when they cannot work.</summary>
    /// <exception cref="ArgumentException">The options are inconsistent; the message names the offending setting.</exception>
    public void Validate()
    {
        var context = new ValidationContext(this);
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, context, results, validateAllProperties: true))
        {
            throw new ArgumentException("Invalid emulator options: " + string.Join("; ", results.Select(r => r.ErrorMessage)));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Keys.Count; i++)
        {
            var key = Keys[i] ?? throw new ArgumentException($"Keys[{i}] is null.");
            if (string.IsNullOrWhiteSpace(key.Key))
            {
                throw new ArgumentException($"Keys[{i}].Key is empty.");
            }

            if (string.IsNullOrWhiteSpace(key.Project))
            {
                throw new ArgumentException($"Keys[{i}] (id '{key.EffectiveId}') has no Project.");
            }

            if (!seen.Add(key.Key))
            {
                throw new ArgumentException($"Keys[{i}] (id '{key.EffectiveId}') repeats a key configured earlier.");
            }

            ValidateRates(key.FaultRates, $"Keys[{i}].FaultRates");
        }

        foreach (var (id, project) in Projects)
        {
            if (project is null)
            {
                throw new ArgumentException($"Projects['{id}'] is null.");
            }

            ValidateObject(project, $"Projects['{id}']");
        }

        for (var i = 0; i < Models.Count; i++)
        {
            var model = Models[i] ?? throw new ArgumentException($"Models[{i}] is null.");
            ValidateObject(model, $"Models[{i}]");
        }

        if (ImplicitCacheWindow <= TimeSpan.Zero)
        {
            throw new ArgumentException("ImplicitCacheWindow must be positive.");
        }

        foreach (var (sha, _) in Answers)
        {
            if (sha.Length != 64 || !sha.All(Uri.IsHexDigit))
            {
                throw new ArgumentException($"Answers key '{sha}' is not a SHA-256 in hex (64 hex digits).");
            }
        }

        ValidateObject(Faults, "Faults");
        ValidateRates(Faults.Rates, "Faults.Rates");
        for (var i = 0; i < Faults.Script.Count; i++)
        {
            var step = Faults.Script[i] ?? throw new ArgumentException($"Faults.Script[{i}] is null.");
            ValidateObject(step, $"Faults.Script[{i}]");
        }

        if (Faults.LatencyFixed < TimeSpan.Zero || Faults.LatencyJitter < TimeSpan.Zero)
        {
            throw new ArgumentException("Faults.LatencyFixed and Faults.LatencyJitter must not be negative.");
        }

        if (FileProcessingTime < TimeSpan.Zero || FileRetention <= TimeSpan.Zero)
        {
            throw new ArgumentException("FileProcessingTime must not be negative and FileRetention must be positive.");
        }
    }

    private static void ValidateRates(IDictionary<EmulatorFaultKind, double> rates, string name)
    {
        double sum = 0;
        foreach (var (kind, rate) in rates)
        {
            if (!Enum.IsDefined(kind) || double.IsNaN(rate) || rate < 0 || rate > 1)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name}[{kind}] = {rate}: a rate is a probability between 0 and 1."));
            }

            sum += rate;
        }

        if (sum > 1 + 1e-9)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name} add up to {sum}; the fault rates of one request must add up to at most 1."));
        }
    }

    private static void ValidateObject(object instance, string name)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(instance, new ValidationContext(instance), results, validateAllProperties: true))
        {
            throw new ArgumentException($"{name}: " + string.Join("; ", results.Select(r => r.ErrorMessage)));
        }
    }
}
