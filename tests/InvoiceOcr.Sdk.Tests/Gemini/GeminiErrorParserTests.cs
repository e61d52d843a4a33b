using System.Net;
using System.Net.Http.Headers;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.Gemini;

public sealed class GeminiErrorParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 6, 12, 0, 0, TimeSpan.Zero);

    // Shape 1 (2024 legacy): ErrorInfo RATE_LIMIT_EXCEEDED with quota_limit metadata + Help, no RetryInfo.
    internal const string Legacy429 = """
        {"error":{"code":429,"message":"Quota exceeded for quota metric 'Generate Content API requests per minute' and limit 'GenerateContent request limit per minute for a region' of service 'generativelanguage.googleapis.com' for consumer 'project_number:123456789'.","status":"RESOURCE_EXHAUSTED",
         "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com",
                     "metadata":{"quota_metric":"generativelanguage.googleapis.com/generate_content_requests","quota_limit":"GenerateContentRequestsPerMinutePerProjectPerRegion","quota_location":"us-east7","quota_limit_value":"60","consumer":"projects/123456789","service":"generativelanguage.googleapis.com"}},
                    {"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Request a higher quota limit.","url":"https://cloud.google.com/docs/quotas/help/request_increase"}]}]}}
        """;

    // Shape 3 (late 2025 / 2026): Help, QuotaFailure (no quotaValue), RetryInfo with a fractional delay; per-day and per-minute both violated.
    internal const string Shape2026PerDay = """
        {"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: gemini-2.0-flash\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0, model: gemini-2.0-flash\nPlease retry in 1.68122827s.","status":"RESOURCE_EXHAUSTED",
         "details":[{"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Learn more about Gemini API quotas","url":"https://ai.google.dev/gemini-api/docs/rate-limits"}]},
                    {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[
                        {"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier","quotaDimensions":{"location":"global","model":"gemini-2.0-flash"}},
                        {"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier","quotaDimensions":{"location":"global","model":"gemini-2.0-flash"}}]},
                    {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.68122827s"}]}}
        """;

    // Shape 3 with a per-minute violation only.
    internal const string Shape2026PerMinute = """
        {"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details.\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count, limit: 1000000, model: gemini-2.5-flash\nPlease retry in 12.5s.","status":"RESOURCE_EXHAUSTED",
         "details":[{"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Learn more about Gemini API quotas","url":"https://ai.google.dev/gemini-api/docs/rate-limits"}]},
                    {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count","quotaId":"GenerateContentPaidTierInputTokensPerModelPerMinute","quotaDimensions":{"location":"global","model":"gemini-2.5-flash"}}]},
                    {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"12.5s"}]}}
        """;

    // Shape 4: bare, no details.
    internal const string Bare429 = """{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}""";

    [Fact]
    public void Parse_Recorded429FreeTierTpm_IsPerMinuteWithRetryDelay()
    {
        var error = Parse(HttpStatusCode.TooManyRequests, Fixture("err-429_RESOURCE_EXHAUSTED_free-tier-TPM_2025-06_QuotaFailure-Help-RetryInfo.json"));

        Assert.Equal(InvoiceOcrErrorKind.RateLimitedPerMinute, error.Kind);
        Assert.True(error.IsTransient);
        Assert.False(error.IsKeyFault);
        Assert.Equal(HttpStatusCode.TooManyRequests, error.HttpStatus);
        Assert.Equal("RESOURCE_EXHAUSTED", error.GoogleStatus);
        Assert.Null(error.GoogleReason);
        Assert.Equal("GenerateContentInputTokensPerModelPerMinute-FreeTier", error.QuotaId);
        Assert.Equal(TimeSpan.FromSeconds(26), error.RetryAfter);
        Assert.StartsWith("You exceeded your current quota, please check your plan and billing details.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParseStatus_Recorded429_ParsesQuotaFailureHelpAndRetryInfo()
    {
        var status = GeminiErrorParser.TryParseStatus(Fixture("err-429_RESOURCE_EXHAUSTED_free-tier-TPM_2025-06_QuotaFailure-Help-RetryInfo.json"))!;

        Assert.Equal(429, status.Code);
        Assert.Equal(3, status.Details!.Count);
        var violation = Assert.Single(Assert.IsType<GoogleQuotaFailure>(status.Details[0]).Violations!);
        Assert.Equal("generativelanguage.googleapis.com/generate_content_free_tier_input_token_count", violation.QuotaMetric);
        Assert.Equal("GenerateContentInputTokensPerModelPerMinute-FreeTier", violation.QuotaId);
        Assert.Equal(250000, violation.QuotaValue);
        Assert.Equal("global", violation.QuotaDimensions!["location"]);
        Assert.Equal("gemini-2.5-flash", violation.QuotaDimensions["model"]);
        var link = Assert.Single(Assert.IsType<GoogleHelp>(status.Details[1]).Links!);
        Assert.Equal("Learn more about Gemini API quotas", link.Description);
        Assert.Equal("https://ai.google.dev/gemini-api/docs/rate-limits", link.Url);
        var retry = Assert.IsType<GoogleRetryInfo>(status.Details[2]);
        Assert.Equal("26s", retry.RetryDelay);
        Assert.Equal(TimeSpan.FromSeconds(26), retry.Delay);
    }

    [Fact]
    public void Parse_Legacy2024Shape_IsPerMinuteFromErrorInfoMetadata()
    {
        var error = Parse(HttpStatusCode.TooManyRequests, Legacy429);

        Assert.Equal(InvoiceOcrErrorKind.RateLimitedPerMinute, error.Kind);
        Assert.Equal("RATE_LIMIT_EXCEEDED", error.GoogleReason);
        Assert.Equal("GenerateContentRequestsPerMinutePerProjectPerRegion", error.QuotaId);
        Assert.Null(error.RetryAfter);
    }

    [Fact]
    public void Parse_Legacy2024ShapePerDayLimit_IsPerDay()
    {
        var body = Legacy429.Replace("GenerateContentRequestsPerMinutePerProjectPerRegion", "GenerateContentRequestsPerDayPerProjectPerRegion", StringComparison.Ordinal)
            .Replace("requests per minute", "requests per day", StringComparison.Ordinal)
            .Replace("limit per minute", "limit per day", StringComparison.Ordinal);

        var error = Parse(HttpStatusCode.TooManyRequests, body);

        Assert.Equal(InvoiceOcrErrorKind.QuotaExhaustedPerDay, error.Kind);
        Assert.Equal("GenerateContentRequestsPerDayPerProjectPerRegion", error.QuotaId);
    }

    [Fact]
    public void Parse_2026ShapeWithPerDayViolation_IsPerDayWithFractionalRetryDelay()
    {
        var error = Parse(HttpStatusCode.TooManyRequests, Shape2026PerDay);

        Assert.Equal(InvoiceOcrErrorKind.QuotaExhaustedPerDay, error.Kind);
        Assert.False(error.IsTransient);
        Assert.True(error.IsKeyFault);
        Assert.Equal("GenerateRequestsPerDayPerProjectPerModel-FreeTier", error.QuotaId);
        Assert.Equal(TimeSpan.FromTicks(16_812_283), error.RetryAfter); // 1.68122827 s, rounded up to the tick
        Assert.Contains("* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParseStatus_2026Shape_ViolationsWithoutQuotaValueParse()
    {
        var status = GeminiErrorParser.TryParseStatus(Shape2026PerDay)!;

        Assert.IsType<GoogleHelp>(status.Details![0]);
        var violations = Assert.IsType<GoogleQuotaFailure>(status.Details[1]).Violations!;
        Assert.Equal(2, violations.Count);
        Assert.All(violations, v => Assert.Null(v.QuotaValue));
        Assert.Equal("1.68122827s", Assert.IsType<GoogleRetryInfo>(status.Details[2]).RetryDelay);
    }

    [Fact]
    public void Parse_2026ShapeWithPerMinuteViolation_IsPerMinute()
    {
        var error = Parse(HttpStatusCode.TooManyRequests, Shape2026PerMinute);

        Assert.Equal(InvoiceOcrErrorKind.RateLimitedPerMinute, error.Kind);
        Assert.Equal("GenerateContentPaidTierInputTokensPerModelPerMinute", error.QuotaId);
        Assert.Equal(TimeSpan.FromSeconds(12.5), error.RetryAfter);
    }

    [Fact]
    public void Parse_Bare429_IsQuotaExhaustedWithoutDelay()
    {
        var error = Parse(HttpStatusCode.TooManyRequests, Bare429);

        Assert.Equal(InvoiceOcrErrorKind.QuotaExhausted, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Equal("RESOURCE_EXHAUSTED", error.GoogleStatus);
        Assert.Null(error.QuotaId);
        Assert.Null(error.RetryAfter);
        Assert.Equal("Resource has been exhausted (e.g. check quota).", error.Message);
    }

    [Fact]
    public void Parse_Bare429WithRetryAfterSeconds_UsesHeader()
    {
        using var response = new HttpResponseMessage();
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(30));

        var error = GeminiErrorParser.Parse(HttpStatusCode.TooManyRequests, Bare429, response.Headers, Now);

        Assert.Equal(TimeSpan.FromSeconds(30), error.RetryAfter);
    }

    [Fact]
    public void Parse_Bare429WithRetryAfterDate_UsesDelayUntilDate()
    {
        using var response = new HttpResponseMessage();
        response.Headers.RetryAfter = new RetryConditionHeaderValue(Now.AddSeconds(45));

        var error = GeminiErrorParser.Parse(HttpStatusCode.TooManyRequests, Bare429, response.Headers, Now);

        Assert.Equal(TimeSpan.FromSeconds(45), error.RetryAfter);
    }

    [Fact]
    public void Parse_RetryInfoAndRetryAfterHeader_RetryInfoWins()
    {
        using var response = new HttpResponseMessage();
        response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(90));

        var error = GeminiErrorParser.Parse(HttpStatusCode.TooManyRequests, Fixture("err-429_RESOURCE_EXHAUSTED_free-tier-TPM_2025-06_QuotaFailure-Help-RetryInfo.json"), response.Headers, Now);

        Assert.Equal(TimeSpan.FromSeconds(26), error.RetryAfter);
    }

    [Fact]
    public void Parse_RecordedApiKeyInvalid_IsKeyInvalidAndHidesDebugInfo()
    {
        var body = Fixture("err-400_INVALID_ARGUMENT_API_KEY_INVALID.json");

        var error = Parse(HttpStatusCode.BadRequest, body);

        Assert.Equal(InvoiceOcrErrorKind.KeyInvalid, error.Kind);
        Assert.True(error.IsKeyFault);
        Assert.Equal("INVALID_ARGUMENT", error.GoogleStatus);
        Assert.Equal("API_KEY_INVALID", error.GoogleReason);
        Assert.Equal("API key not valid. Please pass a valid API key.", error.Message);
        Assert.DoesNotContain("key1234", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParseStatus_RecordedApiKeyInvalid_ParsesErrorInfoLocalizedMessageAndDebugInfo()
    {
        var status = GeminiErrorParser.TryParseStatus(Fixture("err-400_INVALID_ARGUMENT_API_KEY_INVALID.json"))!;

        var info = Assert.IsType<GoogleErrorInfo>(status.Details![0]);
        Assert.Equal("API_KEY_INVALID", info.Reason);
        Assert.Equal("googleapis.com", info.Domain);
        Assert.Equal("generativelanguage.googleapis.com", info.Metadata!["service"]);
        var localized = Assert.IsType<GoogleLocalizedMessage>(status.Details[1]);
        Assert.Equal("en-US", localized.Locale);
        Assert.Equal("API key not valid. Please pass a valid API key.", localized.Message);
        Assert.Equal("Invalid API key: key1234", Assert.IsType<GoogleDebugInfo>(status.Details[2]).Detail);
    }

    [Fact]
    public void Parse_RecordedPayloadTooLarge_IsBadRequest()
    {
        var error = Parse(HttpStatusCode.BadRequest, Fixture("err-400_INVALID_ARGUMENT_request-payload-size-exceeds-limit.json"));

        Assert.Equal(InvoiceOcrErrorKind.BadRequest, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Equal("INVALID_ARGUMENT", error.GoogleStatus);
        Assert.Equal("Request payload size exceeds the limit: 314572800 bytes.", error.Message);
    }

    [Fact]
    public void Parse_RecordedUnregisteredCallers_IsPermissionDenied()
    {
        var error = Parse(HttpStatusCode.Forbidden, Fixture("err-403_PERMISSION_DENIED_unregistered-callers-no-key.json"));

        Assert.Equal(InvoiceOcrErrorKind.PermissionDenied, error.Kind);
        Assert.Equal("PERMISSION_DENIED", error.GoogleStatus);
        Assert.StartsWith("Method doesn't allow unregistered callers", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RecordedModelNotFound_IsModelNotFoundWithDebugInfoParsed()
    {
        var body = Fixture("err-404_NOT_FOUND_model-not-found_v1beta.json");

        var error = Parse(HttpStatusCode.NotFound, body);
        var status = GeminiErrorParser.TryParseStatus(body)!;

        Assert.Equal(InvoiceOcrErrorKind.ModelNotFound, error.Kind);
        Assert.Equal("NOT_FOUND", error.GoogleStatus);
        Assert.StartsWith("models/wrong-model-name is not found for API version v1beta", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("[ORIGINAL ERROR] generic::not_found", Assert.IsType<GoogleDebugInfo>(Assert.Single(status.Details!)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Recorded500_IsTransientServerError()
    {
        var error = Parse(HttpStatusCode.InternalServerError, Fixture("err-500_INTERNAL.json"));

        Assert.Equal(InvoiceOcrErrorKind.ServerError, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Equal("INTERNAL", error.GoogleStatus);
        Assert.StartsWith("An internal error has occurred.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Recorded503_IsTransientServerError()
    {
        var error = Parse(HttpStatusCode.ServiceUnavailable, Fixture("err-503_UNAVAILABLE_model-overloaded.json"));

        Assert.Equal(InvoiceOcrErrorKind.ServerError, error.Kind);
        Assert.Equal("UNAVAILABLE", error.GoogleStatus);
        Assert.Equal("The model is overloaded. Please try again later.", error.Message);
    }

    [Fact]
    public void Parse_403Leaked_IsKeyRevoked()
    {
        var error = Parse(HttpStatusCode.Forbidden, """{"error":{"code":403,"message":"Your API key was reported as leaked. Please use another API key.","status":"PERMISSION_DENIED"}}""");

        Assert.Equal(InvoiceOcrErrorKind.KeyRevoked, error.Kind);
        Assert.True(error.IsKeyFault);
    }

    [Fact]
    public void Parse_403ApiKeyServiceBlocked_IsKeyRevoked()
    {
        var error = Parse(HttpStatusCode.Forbidden, """
            {"error":{"code":403,"message":"Requests to this API generativelanguage.googleapis.com method google.ai.generativelanguage.v1beta.GenerativeService.GenerateContent are blocked.","status":"PERMISSION_DENIED",
             "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_SERVICE_BLOCKED","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com","consumer":"projects/123456789"}}]}}
            """);

        Assert.Equal(InvoiceOcrErrorKind.KeyRevoked, error.Kind);
        Assert.Equal("API_KEY_SERVICE_BLOCKED", error.GoogleReason);
    }

    [Fact]
    public void Parse_403ServiceDisabled_IsPermissionDenied()
    {
        var error = Parse(HttpStatusCode.Forbidden, """
            {"error":{"code":403,"message":"Generative Language API has not been used in project 123456789 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/generativelanguage.googleapis.com/overview?project=123456789 then retry.","status":"PERMISSION_DENIED",
             "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"SERVICE_DISABLED","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com","consumer":"projects/123456789"}},
                        {"@type":"type.googleapis.com/google.rpc.LocalizedMessage","locale":"en-US","message":"Generative Language API has not been used in project 123456789 before or it is disabled."},
                        {"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Google developers console API activation","url":"https://console.developers.google.com/apis/api/generativelanguage.googleapis.com/overview?project=123456789"}]}]}}
            """);

        Assert.Equal(InvoiceOcrErrorKind.PermissionDenied, error.Kind);
        Assert.Equal("SERVICE_DISABLED", error.GoogleReason);
        Assert.True(error.IsKeyFault);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public void Parse_400FailedPreconditionLocation_IsPermissionDenied()
    {
        var error = Parse(HttpStatusCode.BadRequest, """{"error":{"code":400,"message":"User location is not supported for the API use.","status":"FAILED_PRECONDITION"}}""");

        Assert.Equal(InvoiceOcrErrorKind.PermissionDenied, error.Kind);
        Assert.Equal("FAILED_PRECONDITION", error.GoogleStatus);
        Assert.Equal("User location is not supported for the API use.", error.Message);
    }

    [Fact]
    public void Parse_Html502_IsServerErrorNamingTheStatus()
    {
        var error = Parse(HttpStatusCode.BadGateway, "<!DOCTYPE html>\n<html lang=en><title>Error 502 (Server Error)!!1</title><p><b>502.</b> That's an error.</html>");

        Assert.Equal(InvoiceOcrErrorKind.ServerError, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Null(error.GoogleStatus);
        Assert.Equal("Gemini answered HTTP 502 (BadGateway) with a body that is not a Google error (JSON).", error.Message);
    }

    [Fact]
    public void Parse_504DeadlineExceeded_IsTimeout()
    {
        var error = Parse(HttpStatusCode.GatewayTimeout, """{"error":{"code":504,"message":"Deadline expired before operation could complete.","status":"DEADLINE_EXCEEDED"}}""");

        Assert.Equal(InvoiceOcrErrorKind.Timeout, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Equal("DEADLINE_EXCEEDED", error.GoogleStatus);
    }

    [Theory]
    [InlineData(HttpStatusCode.GatewayTimeout, "", InvoiceOcrErrorKind.Timeout)]
    [InlineData(HttpStatusCode.ServiceUnavailable, "", InvoiceOcrErrorKind.ServerError)]
    [InlineData(HttpStatusCode.TooManyRequests, "Too Many Requests", InvoiceOcrErrorKind.QuotaExhausted)]
    [InlineData(HttpStatusCode.BadRequest, "{not json", InvoiceOcrErrorKind.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized, "", InvoiceOcrErrorKind.KeyInvalid)]
    [InlineData(HttpStatusCode.NotFound, "<html>Not Found</html>", InvoiceOcrErrorKind.ModelNotFound)]
    [InlineData(HttpStatusCode.RequestTimeout, "", InvoiceOcrErrorKind.Timeout)]
    [InlineData(HttpStatusCode.Conflict, "", InvoiceOcrErrorKind.BadRequest)]
    public void Parse_NonJsonBody_ClassifiesByStatus(HttpStatusCode status, string body, InvoiceOcrErrorKind expected)
    {
        var error = Parse(status, body);

        Assert.Equal(expected, error.Kind);
        Assert.Equal(status, error.HttpStatus);
        Assert.Contains(((int)status).ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EnvelopeWrappedInArray_IsParsed()
    {
        var error = Parse(HttpStatusCode.TooManyRequests, "[" + Fixture("err-429_RESOURCE_EXHAUSTED_free-tier-TPM_2025-06_QuotaFailure-Help-RetryInfo.json") + "]");

        Assert.Equal(InvoiceOcrErrorKind.RateLimitedPerMinute, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(26), error.RetryAfter);
    }

    [Fact]
    public void Parse_UnknownDetailTypeAndFields_AreTolerated()
    {
        var body = """
            {"error":{"code":400,"message":"Bad thing.","status":"INVALID_ARGUMENT","newField":{"x":1},
             "details":[{"@type":"type.googleapis.com/google.rpc.BadRequest","fieldViolations":[{"field":"contents","description":"missing"}]},
                        {"reason":"NO_TYPE"}]}}
            """;

        var status = GeminiErrorParser.TryParseStatus(body)!;
        var error = Parse(HttpStatusCode.BadRequest, body);

        Assert.Equal(2, status.Details!.Count);
        Assert.All(status.Details, d => Assert.Equal(typeof(GoogleRpcDetail), d.GetType()));
        Assert.Equal(InvoiceOcrErrorKind.BadRequest, error.Kind);
        Assert.Equal("Bad thing.", error.Message);
    }

    [Fact]
    public void TryParseStatus_TypeNotFirstInDetail_StillDiscriminates()
    {
        var status = GeminiErrorParser.TryParseStatus("""
            {"error":{"code":400,"message":"m","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID","domain":"googleapis.com","@type":"type.googleapis.com/google.rpc.ErrorInfo"}]}}
            """)!;

        Assert.Equal("API_KEY_INVALID", Assert.IsType<GoogleErrorInfo>(Assert.Single(status.Details!)).Reason);
    }

    [Fact]
    public void Parse_403WithApiKeyInvalidReason_IsKeyInvalid()
    {
        var error = Parse(HttpStatusCode.Forbidden, """
            {"error":{"code":403,"message":"The provided API key is invalid.","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}
            """);

        Assert.Equal(InvoiceOcrErrorKind.KeyInvalid, error.Kind);
    }

    [Fact]
    public void Parse_429WithOnlyRetryInfo_IsQuotaExhaustedWithDelay()
    {
        var error = Parse(HttpStatusCode.TooManyRequests, """
            {"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"7s"}]}}
            """);

        Assert.Equal(InvoiceOcrErrorKind.QuotaExhausted, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(7), error.RetryAfter);
    }

    [Fact]
    public void Parse_MessageEchoingTheKey_ScrubsIt()
    {
        const string apiKey = "test-key-echoed-0001";
        var lookalike = "AIza" + new string('x', 35);
        var body = "{\"error\":{\"code\":400,\"message\":\"API key " + apiKey + " is bad; so is " + lookalike + ".\",\"status\":\"INVALID_ARGUMENT\"}}";

        var error = GeminiErrorParser.Parse(HttpStatusCode.BadRequest, body, null, Now, apiKey);

        Assert.DoesNotContain(apiKey, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(lookalike, error.Message, StringComparison.Ordinal);
        Assert.Equal("API key [redacted] is bad; so is [redacted].", error.Message);
    }

    [Theory]
    [InlineData("26s", 26 * TimeSpan.TicksPerSecond)]
    [InlineData("1s", TimeSpan.TicksPerSecond)]
    [InlineData("0.5s", TimeSpan.TicksPerSecond / 2)]
    [InlineData("34.4s", 344_000_000)]
    [InlineData("1.000000001s", 10_000_001)]
    public void ProtoDurationTryParse_ValidText_ParsesRoundingUpToTick(string text, long ticks)
    {
        Assert.True(ProtoDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromTicks(ticks), value);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("26")]
    [InlineData("s")]
    [InlineData("-1s")]
    [InlineData("abcs")]
    [InlineData("1e3s")]
    public void ProtoDurationTryParse_InvalidText_ReturnsFalse(string? text)
    {
        Assert.False(ProtoDuration.TryParse(text, out _));
    }

    private static InvoiceOcrException Parse(HttpStatusCode status, string body) => GeminiErrorParser.Parse(status, body, null, Now);

    private static string Fixture(string name) => SharedData.ReadGeminiFixture(name);
}
