using InvoiceOcr.Emulator.Wire;

namespace InvoiceOcr.Emulator.Quotas;

/// <summary>
/// Fixed-window quotas per (project, model): requests per UTC minute, input tokens per UTC minute and requests per
/// Pacific day. Admission checks every limit first and consumes only when all pass, so a rejected request costs nothing.
/// </summary>
internal sealed class QuotaTracker(TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Project, string Model), Usage> _usage = [];

    /// <summary>Admits the request (consuming quota) or returns the 429 to send.</summary>
    public GoogleError? TryAdmit(string project, EmulatorProjectOptions? limits, string model, int inputTokens)
    {
        if (limits is null)
        {
            return null;
        }

        var now = timeProvider.GetUtcNow();
        var minuteStart = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        var minuteEnd = minuteStart.AddMinutes(1);
        var (day, nextMidnight) = PacificTime.DayOf(now);
        var free = limits.Tier == EmulatorTier.Free;

        lock (_gate)
        {
            if (!_usage.TryGetValue((project, model), out var usage))
            {
                usage = new Usage();
                _usage[(project, model)] = usage;
            }

            if (usage.Minute != minuteStart)
            {
                usage.Minute = minuteStart;
                usage.MinuteRequests = 0;
                usage.MinuteTokens = 0;
            }

            if (usage.Day != day)
            {
                usage.Day = day;
                usage.DayRequests = 0;
            }

            if (limits.RequestsPerDay is { } rpd && usage.DayRequests + 1 > rpd)
            {
                return GoogleErrors.QuotaExceeded(
                    free ? "generativelanguage.googleapis.com/generate_content_free_tier_requests" : "generativelanguage.googleapis.com/generate_content_paid_tier_requests",
                    free ? "GenerateRequestsPerDayPerProjectPerModel-FreeTier" : "GenerateRequestsPerDayPerProjectPerModel",
                    model,
                    rpd,
                    nextMidnight - now);
            }

            if (limits.RequestsPerMinute is { } rpm && usage.MinuteRequests + 1 > rpm)
            {
                return GoogleErrors.QuotaExceeded(
                    free ? "generativelanguage.googleapis.com/generate_content_free_tier_requests" : "generativelanguage.googleapis.com/generate_content_paid_tier_requests",
                    free ? "GenerateRequestsPerMinutePerProjectPerModel-FreeTier" : "GenerateRequestsPerMinutePerProjectPerModel",
                    model,
                    rpm,
                    minuteEnd - now);
            }

            if (limits.InputTokensPerMinute is { } tpm && usage.MinuteTokens + inputTokens > tpm)
            {
                return GoogleErrors.QuotaExceeded(
                    free ? "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count" : "generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count",
                    free ? "GenerateContentInputTokensPerModelPerMinute-FreeTier" : "GenerateContentPaidTierInputTokensPerModelPerMinute",
                    model,
                    tpm,
                    minuteEnd - now);
            }

            usage.MinuteRequests++;
            usage.MinuteTokens += inputTokens;
            usage.DayRequests++;
            return null;
        }
    }

    private sealed class Usage
    {
        public DateTimeOffset Minute { get; set; }

        public long MinuteRequests { get; set; }

        public long MinuteTokens { get; set; }

        public DateOnly Day { get; set; }

        public long DayRequests { get; set; }
    }
}
