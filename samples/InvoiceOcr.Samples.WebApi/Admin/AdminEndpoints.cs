using System.ComponentModel.DataAnnotations;
using InvoiceOcr.Samples.WebApi.Authentication;
using InvoiceOcr.Samples.WebApi.Refusals;
using InvoiceOcr.Samples.WebApi.Tenants;
using InvoiceOcr.Sdk;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.WebApi.Admin;

/// <summary>
/// The admin API under <c>/admin/api</c>, behind the admin policy (<see cref="CallerIdentity.AdminPolicy"/>: the
/// <c>X-Admin-Key</c> scheme, which no tenant credential satisfies). Keys, usage and retries are read from and written to
/// the SDK's store abstractions, so they work the same on SQLite, SQL Server and the in-memory store; tenant credentials
/// and refused-request counts come from the sample's own store.
/// </summary>
internal static class AdminEndpoints
{
    private const int MaxIdLength = 128;

    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/admin/api")
            .WithTags("Admin")
            .RequireAuthorization(CallerIdentity.AdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        admin.MapGet("/companies", async (IOptionsMonitor<AdminOptions> options, ITenantCredentialStore tenants, CancellationToken ct) =>
                TypedResults.Ok(await CompaniesAsync(options.CurrentValue, tenants, ct)))
            .WithSummary("Lists the companies: those with tenant credentials plus those configured under Admin:Companies.");
        admin.MapGet("/dashboard", async (IOptionsMonitor<AdminOptions> options, ITenantCredentialStore tenants, CancellationToken ct) =>
                TypedResults.Ok(new DashboardSettings(await CompaniesAsync(options.CurrentValue, tenants, ct), options.CurrentValue.LookbackDays)))
            .WithSummary("The dashboard's settings: the companies and how many days back it looks.");
        admin.MapGet("/companies/{companyId}/credentials", ListCredentialsAsync).WithSummary("Lists a company's tenant credentials (never their secrets).");
        admin.MapPost("/companies/{companyId}/credentials", IssueCredentialAsync)
            .WithSummary("Issues a tenant credential for a company (this also adds the company to the list); the token is shown once.");
        admin.MapDelete("/credentials/{credentialId}", RevokeCredentialAsync).WithSummary("Revokes a tenant credential.");
        admin.MapGet("/companies/{companyId}/refusals", RefusalsAsync)
            .WithSummary("Requests refused without an extraction (429s, no usable key, circuit open, ...) per day and kind.");
        admin.MapGet("/companies/{companyId}/latency", LatencyAsync)
            .WithSummary("Latency of the company's model calls over the lookback window: count, median, 95th percentile and maximum.");
        admin.MapGet("/companies/{companyId}/keys", ListKeysAsync).WithSummary("Lists a company's keys with status and remaining tokens.");
        admin.MapPost("/companies/{companyId}/keys", AddKeyAsync).WithSummary("Adds a key; the secret is stored sealed and only ever returned masked.");
        admin.MapPut("/keys/{keyId}/status", ChangeStatusAsync).WithSummary("Changes a key's status (Active, Disabled, Expired, Exceeded).");
        admin.MapPut("/keys/{keyId}/limits", ChangeLimitsAsync).WithSummary("Replaces a key's limits: lifetime budget, expiry, rates and weight.");
        admin.MapGet("/companies/{companyId}/usage", SummarizeUsageAsync)
            .WithSummary("Summarizes usage; groupBy is any of branch, user, day (comma-separated); from/to are UTC days (yyyy-MM-dd).");
        admin.MapGet("/companies/{companyId}/errors", RecentErrorsAsync).WithSummary("Recent failed calls and keys taken out of service.");
        admin.MapGet("/companies/{companyId}/retries", FailedRetriesAsync).WithSummary("Recent failed attempts that were retried or failed over.");
        return admin;
    }

    private static async Task<string[]> CompaniesAsync(AdminOptions options, ITenantCredentialStore tenants, CancellationToken cancellationToken)
    {
        var fromStore = await tenants.ListCompaniesAsync(cancellationToken);
        return [.. options.Companies.Concat(fromStore).Where(c => !string.IsNullOrWhiteSpace(c)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    private static async Task<Ok<TenantCredential[]>> ListCredentialsAsync(string companyId, ITenantCredentialStore tenants, CancellationToken cancellationToken) =>
        TypedResults.Ok((await tenants.ListAsync(companyId, cancellationToken)).ToArray());

    private static async Task<Results<Created<IssuedTenantCredential>, ValidationProblem>> IssueCredentialAsync(
        string companyId, IssueCredentialRequest? request, ITenantCredentialStore tenants, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        Require(errors, "companyId", companyId);
        if (request?.Label is { Length: > MaxIdLength })
        {
            errors["label"] = [$"'label' must be at most {MaxIdLength} characters long."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var issued = await tenants.IssueAsync(companyId.Trim(), request?.Label?.Trim(), cancellationToken);
        return TypedResults.Created($"/admin/api/companies/{Uri.EscapeDataString(companyId)}/credentials", issued);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeCredentialAsync(string credentialId, ITenantCredentialStore tenants, CancellationToken cancellationToken) =>
        await tenants.RevokeAsync(credentialId, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem($"There is no valid credential '{credentialId}'.", statusCode: StatusCodes.Status404NotFound);

    private static async Task<Ok<RefusalCount[]>> RefusalsAsync(
        string companyId, IRefusalLog refusals, IOptionsMonitor<AdminOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var from = UsageSummary.DayOf(time.GetUtcNow().AddDays(1 - options.CurrentValue.LookbackDays));
        return TypedResults.Ok((await refusals.ListAsync(companyId, from, cancellationToken)).ToArray());
    }

    private static async Task<Ok<LatencyView>> LatencyAsync(
        string companyId, IUsageLedger ledger, IOptionsMonitor<AdminOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var from = UsageSummary.DayOf(time.GetUtcNow().AddDays(1 - options.CurrentValue.LookbackDays));
        var records = await ledger.ListAsync(new UsageQuery(companyId) { FromDay = from }, cancellationToken);
        var durations = records.Select(r => Math.Max(0, (r.CompletedAt - r.StartedAt).TotalMilliseconds)).Order().ToArray();
        return TypedResults.Ok(LatencyView.From(durations));
    }

    private static async Task<Ok<KeyView[]>> ListKeysAsync(string companyId, IApiKeyStore keys, CancellationToken cancellationToken)
    {
        var list = await keys.ListByCompanyAsync(companyId, cancellationToken);
        return TypedResults.Ok(list.Select(KeyView.From).ToArray());
    }

    private static async Task<Results<Created<KeyView>, ValidationProblem, ProblemHttpResult>> AddKeyAsync(
        string companyId, AddKeyRequest request, IApiKeyStore keys, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        Require(errors, "companyId", companyId);
        Require(errors, nameof(request.Id), request.Id);
        Require(errors, nameof(request.ProjectId), request.ProjectId);
        if (string.IsNullOrWhiteSpace(request.Secret))
        {
            errors[nameof(request.Secret)] = ["The secret is required."];
        }

        if (request.LifetimeTokenLimit < 0)
        {
            errors[nameof(request.LifetimeTokenLimit)] = ["The lifetime token limit must not be negative."];
        }

        if (request.Weight < 1)
        {
            errors[nameof(request.Weight)] = ["The weight must be at least 1."];
        }

        ValidateRates(errors, request.Rates);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var key = new ApiKey
        {
            Id = request.Id!.Trim(),
            CompanyId = companyId,
            CompanyName = request.CompanyName,
            ProjectId = request.ProjectId!.Trim(),
            Secret = request.Secret!.Trim(),
            AllowedModels = request.AllowedModels ?? [],
            LifetimeTokenLimit = request.LifetimeTokenLimit,
            ExpiresAt = request.ExpiresAt,
            Rates = request.Rates ?? QuotaLimits.None,
            Weight = request.Weight ?? 1,
        };
        if (!await keys.AddAsync(key, cancellationToken))
        {
            return TypedResults.Problem($"A key with id '{key.Id}' already exists.", statusCode: StatusCodes.Status409Conflict);
        }

        var stored = await keys.GetAsync(key.Id, cancellationToken) ?? key;
        return TypedResults.Created($"/admin/api/companies/{Uri.EscapeDataString(companyId)}/keys", KeyView.From(stored));
    }

    private static async Task<Results<Ok<KeyView>, ProblemHttpResult, ValidationProblem>> ChangeStatusAsync(
        string keyId, ChangeStatusRequest request, IApiKeyStore keys, CancellationToken cancellationToken)
    {
        if (request.Status is not { } status || !Enum.IsDefined(status))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [nameof(request.Status)] = [$"The status is required: one of {string.Join(", ", Enum.GetNames<ApiKeyStatus>())}."],
            });
        }

        var key = await keys.GetAsync(keyId, cancellationToken);
        if (key is null)
        {
            return TypedResults.Problem($"There is no key '{keyId}'.", statusCode: StatusCodes.Status404NotFound);
        }

        if (key.Status == status)
        {
            return TypedResults.Ok(KeyView.From(key));
        }

        var reason = string.IsNullOrWhiteSpace(request.Reason) ? $"Set to {status} by an administrator." : request.Reason.Trim();
        if (!await keys.TryChangeStatusAsync(keyId, request.ExpectedStatus, status, reason, cancellationToken))
        {
            return TypedResults.Problem($"The key '{keyId}' changed status meanwhile; reload and try again.", statusCode: StatusCodes.Status409Conflict);
        }

        return TypedResults.Ok(KeyView.From((await keys.GetAsync(keyId, cancellationToken))!));
    }

    private static async Task<Results<Ok<KeyView>, ProblemHttpResult, ValidationProblem>> ChangeLimitsAsync(
        string keyId, ApiKeyLimits limits, IApiKeyStore keys, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(limits, new ValidationContext(limits), results, validateAllProperties: true))
        {
            foreach (var result in results)
            {
                errors[string.Join(",", result.MemberNames)] = [result.ErrorMessage ?? "Invalid value."];
            }
        }

        ValidateRates(errors, limits.Rates);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (!await keys.UpdateLimitsAsync(keyId, limits with { Rates = limits.Rates ?? QuotaLimits.None }, cancellationToken))
        {
            return TypedResults.Problem($"There is no key '{keyId}'.", statusCode: StatusCodes.Status404NotFound);
        }

        return TypedResults.Ok(KeyView.From((await keys.GetAsync(keyId, cancellationToken))!));
    }

    private static async Task<Results<Ok<UsageSummary[]>, ValidationProblem>> SummarizeUsageAsync(
        string companyId,
        string? groupBy,
        DateOnly? from,
        DateOnly? to,
        string? branch,
        string? user,
        IUsageLedger ledger,
        CancellationToken cancellationToken)
    {
        var grouping = UsageGrouping.None;
        foreach (var part in (groupBy ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<UsageGrouping>(part, ignoreCase: true, out var flag) || flag == UsageGrouping.None || !Enum.IsDefined(flag))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["groupBy"] = [$"'{part}' is not a grouping; use any of branch, user, day."],
                });
            }

            grouping |= flag;
        }

        var query = new UsageQuery(companyId) { FromDay = from, ToDay = to, Branch = branch, UserId = user };
        var summaries = await ledger.SummarizeAsync(query, grouping, cancellationToken);
        return TypedResults.Ok(summaries.ToArray());
    }

    private static async Task<Ok<RecentErrorView[]>> RecentErrorsAsync(
        string companyId, IUsageLedger ledger, IApiKeyStore keys, IOptionsMonitor<AdminOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var since = time.GetUtcNow().AddDays(-settings.LookbackDays);
        var records = await ledger.ListAsync(new UsageQuery(companyId) { FromDay = UsageSummary.DayOf(since) }, cancellationToken);
        var errors = records
            .Where(r => r.Outcome == UsageOutcome.Failure)
            .Select(r => new RecentErrorView
            {
                At = r.CompletedAt,
                Source = "call",
                Kind = (r.FailureKind ?? InvoiceOcrErrorKind.Unknown).ToString(),
                KeyId = r.KeyId,
                OperationId = r.OperationId,
                UserId = r.UserId,
                Branch = r.Branch,
                TotalTokens = r.TotalTokens,
                Detail = r.FileName,
            })
            .ToList();

        foreach (var key in await keys.ListByCompanyAsync(companyId, cancellationToken))
        {
            foreach (var change in await keys.ListStatusTransitionsAsync(key.Id, cancellationToken))
            {
                if (change.To != ApiKeyStatus.Active && change.ChangedAt >= since)
                {
                    errors.Add(new RecentErrorView { At = change.ChangedAt, Source = "key", Kind = change.To.ToString(), KeyId = change.KeyId, Detail = change.Reason });
                }
            }
        }

        return TypedResults.Ok(errors.OrderByDescending(e => e.At).Take(settings.ListLimit).ToArray());
    }

    private static async Task<Ok<FailedRetryView[]>> FailedRetriesAsync(
        string companyId, IUsageLedger ledger, IRetryAttemptStore retries, IOptionsMonitor<AdminOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        // The retry log is keyed by operation; the ledger names the operations that needed more than one attempt or failed.
        // An operation none of whose attempts was billed leaves no ledger row and so does not appear here (see the README).
        var settings = options.CurrentValue;
        var since = time.GetUtcNow().AddDays(-settings.LookbackDays);
        var records = await ledger.ListAsync(new UsageQuery(companyId) { FromDay = UsageSummary.DayOf(since) }, cancellationToken);
        var operations = records
            .GroupBy(r => r.OperationId, StringComparer.Ordinal)
            .Where(g => g.Any(r => r.Attempt > 1 || r.Outcome == UsageOutcome.Failure))
            .OrderByDescending(g => g.Max(r => r.CompletedAt))
            .Take(settings.ListLimit)
            .Select(g => (OperationId: g.Key, Succeeded: g.Any(r => r.Outcome == UsageOutcome.Success)))
            .ToList();

        var views = new List<FailedRetryView>();
        foreach (var (operationId, succeeded) in operations)
        {
            foreach (var attempt in await retries.ListByOperationAsync(operationId, cancellationToken))
            {
                views.Add(new FailedRetryView
                {
                    At = attempt.Timestamp,
                    OperationId = attempt.OperationId,
                    AttemptNumber = attempt.AttemptNumber,
                    KeyId = attempt.KeyId,
                    ErrorKind = attempt.ErrorKind,
                    HttpStatus = attempt.HttpStatus,
                    DelayMs = (long)attempt.Delay.TotalMilliseconds,
                    IsFailover = attempt.IsFailover,
                    OperationSucceeded = succeeded,
                });
            }
        }

        return TypedResults.Ok(views.OrderByDescending(v => v.At).Take(settings.ListLimit).ToArray());
    }

    private static void Require(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors[field] = [$"'{field}' is required."];
        }
        else if (value.Length > MaxIdLength)
        {
            errors[field] = [$"'{field}' must be at most {MaxIdLength} characters long."];
        }
    }

    private static void ValidateRates(Dictionary<string, string[]> errors, QuotaLimits? rates)
    {
        if (rates is { } r && (r.RequestsPerMinute < 0 || r.RequestsPerDay < 0 || r.TokensPerMinute < 0 || r.TokensPerDay < 0))
        {
            errors["Rates"] = ["Quota limits must not be negative."];
        }
    }
}
