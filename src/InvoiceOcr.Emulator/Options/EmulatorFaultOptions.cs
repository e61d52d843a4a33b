using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Emulator;

/// <summary>
/// Fault injection for <c>generateContent</c> and <c>streamGenerateContent</c>. Every choice is drawn from a random
/// generator seeded with <see cref="GeminiEmulatorOptions.Seed"/>, so the same seed and the same sequence of requests give
/// the same faults. A scripted step wins over the rates.
/// </summary>
public sealed class EmulatorFaultOptions
{
    /// <summary>Gets the probability (0..1) of each fault kind per request; the rates must add up to at most 1.</summary>
    /// <value>The default value is an empty dictionary (no random faults).</value>
    public IDictionary<EmulatorFaultKind, double> Rates { get; } = new Dictionary<EmulatorFaultKind, double>();

    /// <summary>Gets scripted faults, consumed in order: "the next N calls (optionally of one key) get X".</summary>
    /// <value>The default value is an empty list.</value>
    public IList<EmulatorScriptedFault> Script { get; } = [];

    /// <summary>Gets or sets a delay added before every model answer.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan LatencyFixed { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets the upper bound of a uniformly drawn extra delay added to <see cref="LatencyFixed"/>.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan LatencyJitter { get; set; } = TimeSpan.Zero;
}

/// <summary>One scripted fault step: the next <see cref="Count"/> model calls (of <see cref="KeyId"/>, when set) get <see cref="Kind"/>.</summary>
public sealed class EmulatorScriptedFault
{
    /// <summary>Gets or sets the fault to inject.</summary>
    /// <value>The default value is <see cref="EmulatorFaultKind.Internal"/>.</value>
    public EmulatorFaultKind Kind { get; set; } = EmulatorFaultKind.Internal;

    /// <summary>Gets or sets how many calls get the fault.</summary>
    /// <value>The default value is <c>1</c>.</value>
    [Range(1, int.MaxValue)]
    public int Count { get; set; } = 1;

    /// <summary>Gets or sets the key id (<see cref="EmulatorKeyOptions.EffectiveId"/>) the step applies to; <see langword="null"/> applies to any key.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? KeyId { get; set; }
}

/// <summary>
/// The faults the emulator can inject. The README says which of them are billed; the <c>…AfterBilling</c> kinds are
/// the ones that bill a call whose answer never reaches the client intact ("billed but lost").
/// </summary>
public enum EmulatorFaultKind
{
    /// <summary>No fault.</summary>
    None,

    /// <summary>500 INTERNAL (recorded body). Not billed, consumes no quota.</summary>
    Internal,

    /// <summary>503 UNAVAILABLE "The model is overloaded. Please try again later." (recorded body). Not billed, consumes no quota.</summary>
    Unavailable,

    /// <summary>504 DEADLINE_EXCEEDED. Not billed, consumes no quota.</summary>
    DeadlineExceeded,

    /// <summary>The connection is aborted after part of the body was sent. Consumes quota, not billed.</summary>
    ConnectionReset,

    /// <summary>A 200 whose body ends early (cleanly, mid-JSON). Consumes quota, not billed.</summary>
    TruncatedBody,

    /// <summary>A 200 STOP answer whose text is cut in half, so it is not valid JSON. Billed.</summary>
    InvalidJsonText,

    /// <summary>A 200 answer cut short with <c>finishReason: MAX_TOKENS</c>. Billed.</summary>
    MaxTokens,

    /// <summary>A 200 answer stopped with <c>finishReason: SAFETY</c> and a HIGH safety rating. Billed.</summary>
    Safety,

    /// <summary>A 200 candidate with <c>finishReason: OTHER</c> and no content. Billed (prompt tokens only).</summary>
    Other,

    /// <summary>A 200 with only <c>promptFeedback.blockReason: SAFETY</c> and no candidates. Consumes quota, not billed.</summary>
    PromptBlocked,

    // The kinds below are appended (never inserted) so a seed keeps drawing the same kinds for the rates above.

    /// <summary>
    /// The answer is generated and <b>billed</b>, then the connection is aborted after 200 headers and half the body
    /// (stream: after the first event). The ledger entry says <see cref="EmulatorLedgerEntry.AnswerLost"/>.
    /// </summary>
    ConnectionResetAfterBilling,

    /// <summary>
    /// The answer is generated and <b>billed</b>, then sent as a 200 whose body ends cleanly mid-JSON (stream: the
    /// first half of the events, no final event). The ledger entry says <see cref="EmulatorLedgerEntry.AnswerLost"/>.
    /// </summary>
    TruncatedBodyAfterBilling,

    /// <summary>
    /// The answer is generated and <b>billed</b>, then the connection is aborted before any response byte (no status
    /// line: the client cannot tell whether the call ran). The ledger entry says <see cref="EmulatorLedgerEntry.AnswerLost"/>.
    /// </summary>
    NoResponseAfterBilling,
}
