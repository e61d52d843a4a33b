using System.Globalization;
using System.Text.Json.Nodes;

namespace InvoiceOcr.Emulator.Wire;

/// <summary>A <c>google.rpc.Status</c> error body with its HTTP status, shaped like the recorded ones.</summary>
internal sealed class GoogleError(int httpStatus, JsonObject body)
{
    public int HttpStatus { get; } = httpStatus;

    public JsonObject Body { get; } = body;
}

/// <summary>Builds the error bodies the real service sends, field order as recorded.</summary>
internal static class GoogleErrors
{
    private const string TypePrefix = "type.googleapis.com/google.rpc.";
    private const string RateLimitsUrl = "https://ai.google.dev/gemini-api/docs/rate-limits";

    public static GoogleError Simple(int code, string status, string message) =>
        new(code, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message, ["status"] = status } });

    public static GoogleError InvalidArgument(string message) => Simple(400, "INVALID_ARGUMENT", message);

    public static GoogleError FailedPrecondition(string message) => Simple(400, "FAILED_PRECONDITION", message);

    /// <summary>The recorded 400 for an unknown key; like the real service it echoes the rejected key in DebugInfo.</summary>
    public static GoogleError ApiKeyInvalid(string key)
    {
        const string Message = "API key not valid. Please pass a valid API key.";
        return new(400, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = 400,
                ["message"] = Message,
                ["status"] = "INVALID_ARGUMENT",
                ["details"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["@type"] = TypePrefix + "ErrorInfo",
                        ["reason"] = "API_KEY_INVALID",
                        ["domain"] = "googleapis.com",
                        ["metadata"] = new JsonObject { ["service"] = "generativelanguage.googleapis.com" },
                    },
                    new JsonObject { ["@type"] = TypePrefix + "LocalizedMessage", ["locale"] = "en-US", ["message"] = Message },
                    new JsonObject { ["@type"] = TypePrefix + "DebugInfo", ["detail"] = "Invalid API key: " + key },
                },
            },
        });
    }

    public static GoogleError KeyLeaked() =>
        Simple(403, "PERMISSION_DENIED", "Your API key was reported as leaked. Please use another API key.");

    public static GoogleError Unregistered() =>
        Simple(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");

    public static GoogleError ModelNotFound(string model, string method, string apiVersion = "v1beta")
    {
        var message = $"models/{model} is not found for API version {apiVersion}, or is not supported for {method}. Call ListModels to see the list of available models and their supported methods.";
        return new(404, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = 404,
                ["message"] = message,
                ["status"] = "NOT_FOUND",
                ["details"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["@type"] = TypePrefix + "DebugInfo",
                        ["detail"] = "[ORIGINAL ERROR] generic::not_found: " + message + " [google.rpc.error_details_ext] { message: \"" + message + "\" }",
                    },
                },
            },
        });
    }

    public static GoogleError PayloadTooLarge(long limit) =>
        InvalidArgument(string.Create(CultureInfo.InvariantCulture, $"Request payload size exceeds the limit: {limit} bytes."));

    public static GoogleError Internal() =>
        Simple(500, "INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting");

    public static GoogleError Overloaded() => Simple(503, "UNAVAILABLE", "The model is overloaded. Please try again later.");

    public static GoogleError DeadlineExceeded() => Simple(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.");

    public static GoogleError FileNotFound(string id) =>
        Simple(403, "PERMISSION_DENIED", $"You do not have permission to access the File {id} or it may not exist.");

    /// <summary>The 2025 429 shape: QuotaFailure, Help, RetryInfo.</summary>
    public static GoogleError QuotaExceeded(string quotaMetric, string quotaId, string model, long quotaValue, TimeSpan retryDelay) =>
        new(429, new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["code"] = 429,
                ["message"] = "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: " + RateLimitsUrl + ".",
                ["status"] = "RESOURCE_EXHAUSTED",
                ["details"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["@type"] = TypePrefix + "QuotaFailure",
                        ["violations"] = new JsonArray
                        {
                            new JsonObject
                            {
                                ["quotaMetric"] = quotaMetric,
                                ["quotaId"] = quotaId,
                                ["quotaDimensions"] = new JsonObject { ["location"] = "global", ["model"] = model },
                                ["quotaValue"] = quotaValue.ToString(CultureInfo.InvariantCulture),
                            },
                        },
                    },
                    new JsonObject
                    {
                        ["@type"] = TypePrefix + "Help",
                        ["links"] = new JsonArray
                        {
                            new JsonObject { ["description"] = "Learn more about Gemini API quotas", ["url"] = RateLimitsUrl },
                        },
                    },
                    new JsonObject { ["@type"] = TypePrefix + "RetryInfo", ["retryDelay"] = WireJson.Duration(retryDelay) },
                },
            },
        });
}
